// The Function App on Flex Consumption (Linux, Node, Functions v4), running as the user-assigned
// managed identity: deployment package, host storage, Key Vault references and Application
// Insights all authenticate with that identity.

@description('Name of the Function App.')
param name string

@description('Location of the Function App.')
param location string

@description('Tags for the Function App; azd-service-name is added.')
param tags object = {}

@description('The azd service name in azure.yaml this app deploys.')
param serviceName string = 'api'

@description('Resource id of the Flex Consumption plan.')
param appServicePlanId string

@description('Name of the storage account holding the deployment package container.')
param storageAccountName string

@description('Blob container the deployment package is uploaded to.')
param deploymentStorageContainerName string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('App settings, already complete (built in main.bicep from the APP_SETTINGS the code validates).')
param appSettings object

@description('Language runtime of the app.')
param runtimeName string = 'node'

@description('Language runtime version.')
param runtimeVersion string = '22'

@description('Memory per instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Upper bound on instances the app scales out to (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

module api 'br/public:avm/res/web/site:0.15.1' = {
  name: '${serviceName}-flex-consumption'
  params: {
    kind: 'functionapp,linux'
    name: name
    location: location
    tags: union(tags, { 'azd-service-name': serviceName })
    serverFarmResourceId: appServicePlanId
    httpsOnly: true
    managedIdentities: {
      systemAssigned: false
      userAssignedResourceIds: [identityId]
    }
    // Key Vault references resolve with the user-assigned identity (there is no system identity).
    keyVaultAccessIdentityResourceId: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
    siteConfig: {
      alwaysOn: false
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    appSettingsKeyValuePairs: appSettings
  }
}

output SERVICE_API_NAME string = api.outputs.name
