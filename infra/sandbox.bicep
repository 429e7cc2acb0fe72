// The agent's shell sandbox on Azure: a dynamic-sessions pool of custom containers (the sandbox server
// image, `Dockerfile` at the repository root) in a Container Apps environment, its image in a container
// registry, and the roles the one user-assigned identity needs: pull the image, execute sessions.
//
// Sessions have no egress (sessionNetworkConfiguration: EgressDisabled): the `logs` command inside reaches
// the host's connector broker through a relay on the session channel (agentcore/sandbox/server/_relay.py),
// so no credential, model key or token ever enters a session, and nothing needs to leave it.
param location string
param tags object
param token string
param identityId string
param identityPrincipalId string
param logAnalyticsCustomerId string
@secure()
param logAnalyticsSharedKey string

@description('Most sessions at once: one per running investigation (and per subagent with its own workspace).')
param maxConcurrentSessions int
@description('Sessions kept started and waiting, so an investigation does not wait for a container to start.')
param readySessionInstances int
@description('Seconds a session lives after its last request; then it is recycled and its workspace is uploaded again.')
param cooldownPeriodInSeconds int
@description('Tag of the sandbox image in the registry (azd builds and pushes `sre-agent-sandbox:<tag>`).')
param imageTag string
@description('vCPUs of one session container.')
param sessionCpu int
@description('Memory of one session container, e.g. 2Gi: above the per-command memory limit.')
param sessionMemory string

// Built-in role definition ids.
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'
var sessionExecutor = '0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0' // Azure ContainerApps Session Executor

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'crsre${token}'
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: false }
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: 'cae-sre-agent-${token}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logAnalyticsCustomerId, sharedKey: logAnalyticsSharedKey }
    }
    workloadProfiles: [{ name: 'Consumption', workloadProfileType: 'Consumption' }]
  }
}

resource pullRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identityId, acrPull)
  scope: registry
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
  }
}

resource pool 'Microsoft.App/sessionPools@2025-01-01' = {
  name: 'sp-sre-agent-${token}'
  location: location
  tags: tags
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environment.id
    poolManagementType: 'Dynamic'
    containerType: 'CustomContainer'
    scaleConfiguration: {
      maxConcurrentSessions: maxConcurrentSessions
      readySessionInstances: readySessionInstances
    }
    dynamicPoolConfiguration: {
      lifecycleConfiguration: { lifecycleType: 'Timed', cooldownPeriodInSeconds: cooldownPeriodInSeconds }
    }
    customContainerTemplate: {
      registryCredentials: { server: registry.properties.loginServer, identity: identityId }
      containers: [
        {
          name: 'sandbox'
          image: '${registry.properties.loginServer}/sre-agent-sandbox:${imageTag}'
          resources: { cpu: sessionCpu, memory: sessionMemory }
        }
      ]
      ingress: { targetPort: 8080 }
    }
    sessionNetworkConfiguration: { status: 'EgressDisabled' }
  }
  dependsOn: [pullRole]
}

// The Function App's identity calls the pool's management endpoint with an Entra token.
resource executorRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(pool.id, identityId, sessionExecutor)
  scope: pool
  properties: {
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', sessionExecutor)
  }
}

output poolManagementEndpoint string = pool.properties.poolManagementEndpoint
output poolName string = pool.name
output registryName string = registry.name
output registryLoginServer string = registry.properties.loginServer
