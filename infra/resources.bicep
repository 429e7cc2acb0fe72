// The resources of one sre-agent environment. Every data-plane access goes through the
// user-assigned identity below; storage and Service Bus accept no shared keys.
param environmentName string
param location string
param tags object
param agentModel string
param kustoClusterUrl string
param kustoDatabase string
param responsePlansPath string
param maximumInstanceCount int
param instanceMemoryMB int
param sandboxMaxConcurrentSessions int
param sandboxReadySessions int
param sandboxIdleTimeoutSeconds int
param sandboxImageTag string

var token = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName))
var stateContainer = 'sre-agent'
var deploymentContainer = 'deployment-package'

// Built-in role definition ids.
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-sre-agent-${token}'
  location: location
  tags: tags
}

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: 'log-sre-agent-${token}'
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-sre-agent-${token}'
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stsre${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource stateBlobs 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: stateContainer
}

resource deploymentBlobs 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainer
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: 'sb-sre-agent-${token}'
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

// Both queues keep the semantics the stages rely on: peek-lock, redelivery up to 10 times, then
// dead-letter; duplicate detection by message id over 10 minutes.
resource queues 'Microsoft.ServiceBus/namespaces/queues@2022-10-01-preview' = [for name in ['alerts', 'stages']: {
  parent: serviceBus
  name: name
  properties: {
    lockDuration: 'PT5M'
    maxDeliveryCount: 10
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P7D'
  }
}]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: 'kv-sre-${token}'
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-sre-agent-${token}'
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

var blobEndpoint = storage.properties.primaryEndpoints.blob

// The shell sandbox: a dynamic-sessions pool of the sandbox server image (sandbox.bicep).
module sandbox 'sandbox.bicep' = {
  name: 'sre-agent-sandbox'
  params: {
    location: location
    tags: tags
    token: token
    identityId: identity.id
    identityPrincipalId: identity.properties.principalId
    logAnalyticsCustomerId: logs.properties.customerId
    logAnalyticsSharedKey: logs.listKeys().primarySharedKey
    maxConcurrentSessions: sandboxMaxConcurrentSessions
    readySessionInstances: sandboxReadySessions
    cooldownPeriodInSeconds: sandboxIdleTimeoutSeconds
    imageTag: sandboxImageTag
    sessionCpu: 1
    sessionMemory: '2Gi'
  }
}

// The model's key lives in Key Vault (secret `anthropic-api-key` or `openai-api-key`, set after
// provisioning); the app reads it by reference. Only the provider in use gets a setting.
var anthropicKey = [
  { name: 'ANTHROPIC_API_KEY', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=anthropic-api-key)' }
]
var openaiKey = [
  { name: 'OPENAI_API_KEY', value: '@Microsoft.KeyVault(VaultName=${vault.name};SecretName=openai-api-key)' }
]
var modelKeySettings = startsWith(agentModel, 'anthropic:') ? anthropicKey : (startsWith(agentModel, 'openai:') ? openaiKey : [])

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-sre-agent-${token}'
  location: location
  tags: union(tags, { 'azd-service-name': 'agent' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identity.id}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identity.id
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainer}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: { name: 'python', version: '3.11' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: concat([
        // The Functions host's own storage and the Service Bus triggers, identity-based.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: '${serviceBus.name}.servicebus.windows.net' }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__clientId', value: identity.properties.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'ClientId=${identity.properties.clientId};Authorization=AAD' }
        // sre-agent's own settings (agentcore.settings.Settings).
        { name: 'AZURE_CLIENT_ID', value: identity.properties.clientId }
        { name: 'SRE_AGENT_BLOB_ACCOUNT_URL', value: blobEndpoint }
        { name: 'SRE_AGENT_DATA_DIR', value: '/tmp/sre-agent' }
        // The instance's own disk: the default (~/.cache) may be the app's shared file share.
        { name: 'SRE_AGENT_CACHE_DIR', value: '/tmp/sre-agent-cache' }
        { name: 'SRE_AGENT_MODEL', value: agentModel }
        { name: 'SRE_AGENT_KUSTO_CLUSTER_URL', value: kustoClusterUrl }
        { name: 'SRE_AGENT_KUSTO_DATABASE', value: kustoDatabase }
        // Shell commands run in the session pool (agentcore.sandbox.remote), one session per investigation.
        { name: 'SRE_AGENT_SANDBOX_POOL_ENDPOINT', value: sandbox.outputs.poolManagementEndpoint }
        { name: 'SRE_AGENT_SANDBOX_SESSION_AUDIENCE', value: 'https://dynamicsessions.io' }
        { name: 'SRE_AGENT_RESPONSE_PLANS_PATH', value: responsePlansPath }
      ], modelKeySettings)
    }
  }
  dependsOn: [stateBlobs, deploymentBlobs, queues]
}

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]: {
  name: guid(storage.id, identity.id, role)
  scope: storage
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role)
  }
}]

resource serviceBusRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(serviceBus.id, identity.id, roles.serviceBusDataOwner)
  scope: serviceBus
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
  }
}

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  scope: vault
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
  }
}

resource insightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, identity.id, roles.monitoringMetricsPublisher)
  scope: insights
  properties: {
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
  }
}

output functionAppName string = app.name
output keyVaultName string = vault.name
output blobEndpoint string = blobEndpoint
output serviceBusNamespace string = '${serviceBus.name}.servicebus.windows.net'
output sandboxPoolName string = sandbox.outputs.poolName
output sandboxPoolEndpoint string = sandbox.outputs.poolManagementEndpoint
output containerRegistryName string = sandbox.outputs.registryName
output containerRegistryEndpoint string = sandbox.outputs.registryLoginServer
