// Event Hubs delivery of Graph's change notifications (NOTIFICATION_DELIVERY=eventHubs): a
// namespace and a hub; Microsoft Graph's change-tracking service principal as Azure Event Hubs
// Data Sender on the hub (the role-based form Graph recommends over the Key Vault / SAS form);
// the Function App's identity as Data Receiver, so the trigger reads it without a key.
@description('Name of the Event Hubs namespace.')
param name string

@description('Location of the namespace.')
param location string = resourceGroup().location

@description('Tags for the namespace.')
param tags object = {}

@description('Name of the hub Graph delivers to (EVENT_HUB_NAME).')
param hubName string = 'graph-notifications'

@description('Object id of the "Microsoft Graph Change Tracking" service principal (app id 0bf30f3b-4a52-48df-9a82-234910c4a086) in this tenant.')
param graphChangeTrackingPrincipalId string

@description('Principal id of the Function App\'s managed identity (the consumer).')
param consumerPrincipalId string

var eventHubsDataSender = '2b629674-e913-4c01-ae53-ef4638d8f975'
var eventHubsDataReceiver = 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'

resource namespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard', capacity: 1 }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource hub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: namespace
  name: hubName
  properties: {
    partitionCount: 4
    messageRetentionInDays: 1
  }
}

resource graphSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hub.id, graphChangeTrackingPrincipalId, eventHubsDataSender)
  scope: hub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataSender)
    principalId: graphChangeTrackingPrincipalId
    principalType: 'ServicePrincipal'
  }
}

resource consumerReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(hub.id, consumerPrincipalId, eventHubsDataReceiver)
  scope: hub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiver)
    principalId: consumerPrincipalId
    principalType: 'ServicePrincipal'
  }
}

output EVENT_HUB_NAMESPACE_HOST string = '${namespace.name}.servicebus.windows.net'
output EVENT_HUB_NAME string = hub.name
