// sre-agent on Azure: the Function App (Flex Consumption) and everything it reaches, with one
// user-assigned managed identity and no shared keys. Deployed with `azd up` (see azure.yaml).
targetScope = 'subscription'

@minLength(1)
@maxLength(40)
@description('azd environment name; used to name the resource group and derive resource names.')
param environmentName string

@minLength(1)
@description('Region for every resource. Flex Consumption must be available there.')
param location string

@description('PROVIDER:MODEL for the agent, e.g. anthropic:claude-sonnet-4-6. Empty runs evidence-only.')
param agentModel string = ''

@description('Optional Azure Data Explorer / Log Analytics proxy URL the agent queries in KQL.')
param kustoClusterUrl string = ''

@description('Database (or workspace name) of kustoClusterUrl.')
param kustoDatabase string = ''

@description('Response plans YAML inside the deployed package (e.g. /home/site/wwwroot/response_plans.yaml); empty: none.')
param responsePlansPath string = ''

@description('Most Function App instances (Flex Consumption scale-out cap).')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('Memory of one instance in MB (Flex Consumption: 512, 2048 or 4096).')
@allowed([512, 2048, 4096])
param instanceMemoryMB int = 2048

@description('Most sandbox sessions at once: one per running investigation, and one per subagent workspace.')
@minValue(1)
param sandboxMaxConcurrentSessions int = 20

@description('Sandbox sessions kept started and waiting (billed while they wait).')
@minValue(0)
param sandboxReadySessions int = 2

@description('Seconds a sandbox session lives after its last request (then its workspace is uploaded again).')
@minValue(60)
param sandboxIdleTimeoutSeconds int = 900

@description('Tag of the sandbox server image that azd builds into the registry.')
param sandboxImageTag string = 'latest'

var tags = { 'azd-env-name': environmentName }

resource group 'Microsoft.Resources/resourceGroups@2022-09-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'sre-agent-resources'
  scope: group
  params: {
    environmentName: environmentName
    location: location
    tags: tags
    agentModel: agentModel
    kustoClusterUrl: kustoClusterUrl
    kustoDatabase: kustoDatabase
    responsePlansPath: responsePlansPath
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    sandboxMaxConcurrentSessions: sandboxMaxConcurrentSessions
    sandboxReadySessions: sandboxReadySessions
    sandboxIdleTimeoutSeconds: sandboxIdleTimeoutSeconds
    sandboxImageTag: sandboxImageTag
  }
}

output AZURE_RESOURCE_GROUP string = group.name
output AZURE_FUNCTION_APP_NAME string = resources.outputs.functionAppName
output AZURE_KEY_VAULT_NAME string = resources.outputs.keyVaultName
output SRE_AGENT_BLOB_ACCOUNT_URL string = resources.outputs.blobEndpoint
output SERVICE_BUS_NAMESPACE string = resources.outputs.serviceBusNamespace
output SRE_AGENT_SANDBOX_POOL_ENDPOINT string = resources.outputs.sandboxPoolEndpoint
output SANDBOX_POOL_NAME string = resources.outputs.sandboxPoolName
output AZURE_CONTAINER_REGISTRY_NAME string = resources.outputs.containerRegistryName
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = resources.outputs.containerRegistryEndpoint
