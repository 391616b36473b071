// Email activity tracker on Azure: Function App (Flex Consumption) with a user-assigned managed
// identity, Storage (notifications queue), Cosmos DB for NoSQL, Key Vault, Application Insights.
// No account keys or connection strings with secrets: every connection is identity-based.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to generate a short unique hash for every resource name.')
param environmentName string

@minLength(1)
@description('Primary location for all resources; pick a region that offers Flex Consumption.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Object id of the user or pipeline running azd, granted access to set secrets and enable mailboxes. Empty to skip.')
param principalId string = ''

@description('Principal type of principalId: User for an interactive azd up, ServicePrincipal for a pipeline.')
@allowed(['User', 'ServicePrincipal', 'Group'])
param principalType string = 'User'

@description('Entra ID tenant of the app registration; empty for the tenant being deployed to.')
param graphTenantId string = ''

@description('Application (client) id of the Entra ID app registration with the Graph mail permissions (see docs/deploy.md). Not used with managedIdentity.')
param graphClientId string = ''

@description('How the app authenticates to Graph: clientSecret or certificate (kept in Key Vault) or managedIdentity.')
@allowed(['clientSecret', 'certificate', 'managedIdentity'])
param graphCredential string = 'clientSecret'

@description('Public base URL the webhooks are reached at, e.g. a custom domain; empty for https://<function app>.azurewebsites.net.')
param publicBaseUrl string = ''

@description('Accepted audiences of the admin API\'s tokens (API_AUDIENCE): the API app registration\'s client id and/or App ID URI. Default: api://<function app name>.')
param apiAudience string = ''

@description('Cosmos DB capacity: serverless (default), or autoscale / manual provisioned throughput shared by the database.')
@allowed(['serverless', 'autoscale', 'manual'])
param cosmosThroughputMode string = 'serverless'

@description('Provisioned Cosmos DB throughput in RU/s (the autoscale maximum or the manual value); ignored when serverless.')
@minValue(400)
param cosmosThroughput int = 1000

@description('Upper bound on Function App instances (Flex Consumption: 40 to 1000).')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory per Function App instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Rich notifications (NOTIFICATION_RESOURCE_DATA): the message arrives encrypted in the notification; needs the certificate created in Key Vault (docs/deploy.md).')
param notificationResourceData bool = false

@description('Name of the Key Vault certificate that encrypts rich notifications (RSA 2048, content type application/x-pem-file).')
param notificationCertificateName string = 'notification-encryption'

@description('How Graph delivers notifications: webhook (HTTPS to the Function App) or eventHubs (an Event Hubs namespace and hub provisioned here; docs/scaling.md says when to switch).')
@allowed(['webhook', 'eventHubs'])
param notificationDelivery string = 'webhook'

@description('With eventHubs: object id of the "Microsoft Graph Change Tracking" service principal in this tenant (az ad sp show --id 0bf30f3b-4a52-48df-9a82-234910c4a086 --query id -o tsv).')
param graphChangeTrackingPrincipalId string = ''

@description('Turn on Key Vault purge protection (recommended for production; a purged-protected vault cannot be purged by azd down --purge).')
param keyVaultPurgeProtection bool = false

var abbrs = loadJsonContent('./abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}api-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var keyVaultName = take('${abbrs.keyVaultVaults}${resourceToken}', 24)
var baseUrl = !empty(publicBaseUrl) ? publicBaseUrl : 'https://${functionAppName}.azurewebsites.net'
var useEventHubs = notificationDelivery == 'eventHubs'
var eventHubNamespaceName = 'evhns-${resourceToken}'
var eventHubName = 'graph-notifications'
// Graph's role-based Event Hubs form; change and lifecycle notifications share the hub.
var eventHubUrl = 'EventHub:https://${eventHubNamespaceName}.servicebus.windows.net/eventhubname/${eventHubName}?tenantId=${!empty(graphTenantId) ? graphTenantId : tenant().tenantId}'
var notificationUrl = useEventHubs ? eventHubUrl : '${baseUrl}/api/notifications'
var lifecycleNotificationUrl = useEventHubs ? eventHubUrl : '${baseUrl}/api/lifecycle'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The identity the app runs as: storage, Cosmos DB, Key Vault references and telemetry.
module apiIdentity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'apiIdentity'
  scope: rg
  params: {
    name: '${abbrs.managedIdentityUserAssignedIdentities}api-${resourceToken}'
    location: location
    tags: tags
  }
}

module appServicePlan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'appServicePlan'
  scope: rg
  params: {
    name: '${abbrs.webServerFarms}${resourceToken}'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
    location: location
    tags: tags
  }
}

module storage 'br/public:avm/res/storage/storage-account:0.8.3' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [{ name: deploymentStorageContainerName }]
    }
    // NOTIFICATIONS_QUEUE and NOTIFICATIONS_POISON_QUEUE in src/config/definitions.ts.
    queueServices: {
      queues: [
        { name: 'notifications' }
        { name: 'notifications-poison' }
      ]
    }
  }
}

module cosmos './app/cosmos.bicep' = {
  name: 'cosmos'
  scope: rg
  params: {
    name: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
    location: location
    tags: tags
    throughputMode: cosmosThroughputMode
    throughput: cosmosThroughput
  }
}

// Secrets are set after provisioning (docs/deploy.md); the app reads them through Key Vault references.
module keyVault 'br/public:avm/res/key-vault/vault:0.12.1' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    sku: 'standard'
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    enablePurgeProtection: keyVaultPurgeProtection
    publicNetworkAccess: 'Enabled'
  }
}

module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'logAnalytics'
  scope: rg
  params: {
    name: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    location: location
    tags: tags
    dataRetention: 30
  }
}

module monitoring 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'monitoring'
  scope: rg
  params: {
    name: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
  }
}

// app-settings:begin — the names are checked against APP_SETTINGS (src/config/definitions.ts) by
// test/unit/infra-consistency.test.ts; settings with defaults are left to their defaults.
var effectiveApiAudience = !empty(apiAudience) ? apiAudience : 'api://${functionAppName}'
var keyVaultSecretUri = '${keyVault.outputs.uri}secrets'
var appSettings = union(
  {
    COSMOS_ENDPOINT: cosmos.outputs.COSMOS_ENDPOINT
    COSMOS_DATABASE: cosmos.outputs.COSMOS_DATABASE
    AZURE_CLIENT_ID: apiIdentity.outputs.clientId
    GRAPH_TENANT_ID: !empty(graphTenantId) ? graphTenantId : tenant().tenantId
    GRAPH_CREDENTIAL: graphCredential
    NOTIFICATION_CLIENT_STATE: '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUri}/notification-client-state)'
    NOTIFICATION_URL: notificationUrl
    LIFECYCLE_NOTIFICATION_URL: lifecycleNotificationUrl
    API_AUDIENCE: effectiveApiAudience
    // Timer triggers read these as %NAME% binding expressions: the host needs them set.
    RENEW_SUBSCRIPTIONS_SCHEDULE: '0 */30 * * * *'
    CATCH_UP_SCHEDULE: '0 */15 * * * *'
    AzureWebJobsStorage__accountName: storage.outputs.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: apiIdentity.outputs.clientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${apiIdentity.outputs.clientId};Authorization=AAD'
  },
  graphCredential != 'managedIdentity' ? { GRAPH_CLIENT_ID: graphClientId } : {},
  graphCredential == 'clientSecret' ? { GRAPH_CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUri}/graph-client-secret)' } : {},
  graphCredential == 'certificate' ? { GRAPH_CLIENT_CERTIFICATE: '@Microsoft.KeyVault(SecretUri=${keyVaultSecretUri}/graph-client-certificate)' } : {},
  notificationResourceData
    ? {
        NOTIFICATION_RESOURCE_DATA: 'true'
        NOTIFICATION_ENCRYPTION_KEY_VAULT_URL: keyVault.outputs.uri
        NOTIFICATION_ENCRYPTION_CERTIFICATE_NAME: notificationCertificateName
      }
    : {},
  useEventHubs
    ? {
        NOTIFICATION_DELIVERY: 'eventHubs'
        EVENT_HUB_NAME: eventHubName
        EventHubConnection__fullyQualifiedNamespace: '${eventHubNamespaceName}.servicebus.windows.net'
        EventHubConnection__credential: 'managedidentity'
        EventHubConnection__clientId: apiIdentity.outputs.clientId
      }
    : {}
)
// app-settings:end

module api './app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    serviceName: 'api'
    appServicePlanId: appServicePlan.outputs.resourceId
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: apiIdentity.outputs.resourceId
    appSettings: appSettings
    runtimeName: 'node'
    runtimeVersion: '22'
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  // Roles first, so the host can reach storage and Key Vault references resolve on first start.
  dependsOn: [rbac]
}

module eventHubs './app/eventhubs.bicep' = if (useEventHubs) {
  name: 'eventHubs'
  scope: rg
  params: {
    name: eventHubNamespaceName
    location: location
    tags: tags
    hubName: eventHubName
    graphChangeTrackingPrincipalId: graphChangeTrackingPrincipalId
    consumerPrincipalId: apiIdentity.outputs.principalId
  }
}

module rbac './app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    appInsightsName: monitoring.outputs.name
    cosmosAccountName: cosmos.outputs.COSMOS_ACCOUNT_NAME
    managedIdentityPrincipalId: apiIdentity.outputs.principalId
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// Outputs land in the azd environment (.azure/<env>/.env).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.SERVICE_API_NAME
output SERVICE_API_NAME string = api.outputs.SERVICE_API_NAME
// Not AZURE_CLIENT_ID: that name would make local tools try the managed identity.
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = apiIdentity.outputs.clientId
output AZURE_MANAGED_IDENTITY_PRINCIPAL_ID string = apiIdentity.outputs.principalId
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_COSMOS_ACCOUNT_NAME string = cosmos.outputs.COSMOS_ACCOUNT_NAME
output COSMOS_ENDPOINT string = cosmos.outputs.COSMOS_ENDPOINT
output COSMOS_DATABASE string = cosmos.outputs.COSMOS_DATABASE
output NOTIFICATIONS_QUEUE_NAME string = 'notifications'
output NOTIFICATIONS_POISON_QUEUE_NAME string = 'notifications-poison'
// The URLs Graph subscriptions must use (the app creates them from NOTIFICATION_URL and LIFECYCLE_NOTIFICATION_URL).
output NOTIFICATION_URL string = notificationUrl
output LIFECYCLE_NOTIFICATION_URL string = lifecycleNotificationUrl

// The admin API: the audience its tokens must carry, and the app roles to define on its app
// registration in Entra ID (Bicep cannot create app roles; docs/deploy.md shows how).
output API_AUDIENCE string = effectiveApiAudience
output API_APP_ROLES array = loadJsonContent('../src/api/app-roles.json').appRoles
