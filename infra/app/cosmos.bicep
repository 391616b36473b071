// Cosmos DB for NoSQL: the account, the database and its containers.
// Database, containers, partition keys and indexing policies come from the same file the code reads
// (src/adapters/cosmos/containers.json), so infra and code cannot drift. Native resources rather than
// the AVM module: the indexing policies pass through from the JSON file unchanged.

@description('Name of the Cosmos DB account.')
param name string

@description('Location of the account.')
param location string

@description('Tags for every resource.')
param tags object = {}

@description('serverless (default, pay per request), autoscale or manual provisioned throughput shared by the database.')
@allowed(['serverless', 'autoscale', 'manual'])
param throughputMode string = 'serverless'

@description('Provisioned throughput in RU/s: the autoscale maximum, or the manual value. Ignored when serverless.')
@minValue(400)
param throughput int = 1000

@description('Whether the account is reachable from public networks (identity and firewall still apply).')
@allowed(['Enabled', 'Disabled'])
param publicNetworkAccess string = 'Enabled'

var definition = loadJsonContent('../../src/adapters/cosmos/containers.json')

var databaseOptions = throughputMode == 'autoscale'
  ? { autoscaleSettings: { maxThroughput: throughput } }
  : throughputMode == 'manual' ? { throughput: throughput } : {}

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    consistencyPolicy: {
      defaultConsistencyLevel: 'Session'
    }
    locations: [
      {
        locationName: location
        failoverPriority: 0
        isZoneRedundant: false
      }
    ]
    capabilities: throughputMode == 'serverless' ? [{ name: 'EnableServerless' }] : []
    backupPolicy: {
      type: 'Continuous'
      continuousModeProperties: {
        tier: 'Continuous7Days'
      }
    }
    // Entra ID only: no account keys; containers are managed here, not by the app.
    disableLocalAuth: true
    disableKeyBasedMetadataWriteAccess: true
    minimalTlsVersion: 'Tls12'
    publicNetworkAccess: publicNetworkAccess
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: definition.databaseName
  properties: {
    resource: {
      id: definition.databaseName
    }
    options: databaseOptions
  }
}

resource containers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in definition.containers: {
    parent: database
    name: container.name
    properties: {
      resource: {
        id: container.name
        partitionKey: {
          paths: [container.partitionKeyPath]
          kind: 'Hash'
          version: 2
        }
        indexingPolicy: container.indexingPolicy
        // Optional in the definition file: absent means items never expire.
        defaultTtl: any(container).?defaultTtl
      }
    }
  }
]

output COSMOS_ENDPOINT string = account.properties.documentEndpoint
output COSMOS_DATABASE string = database.name
output COSMOS_ACCOUNT_NAME string = account.name
output COSMOS_ACCOUNT_ID string = account.id
