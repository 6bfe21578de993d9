package upstreamtest

// Route names. Each is the HTTP method plus the documented path pattern, and is
// the key for [Server.Count], [Server.Inject] and [Request.Route].
const (
	// RouteSelf is the current user, Clever Cloud API: /v2/self.
	RouteSelf = "GET /v2/self"
	// RouteSelfApplications lists the applications of the token's personal space.
	RouteSelfApplications = "GET /v2/self/applications"
	// RouteSelfApplication is one application of the token's personal space.
	RouteSelfApplication = "GET /v2/self/applications/{appId}"
	// RouteSelfAddons lists the add-ons of the token's personal space.
	RouteSelfAddons = "GET /v2/self/addons"
	// RouteOrganisations lists the token's organisations, personal space included.
	RouteOrganisations = "GET /v2/organisations"
	// RouteOrganisation is one organisation (or a personal space, by user id).
	RouteOrganisation = "GET /v2/organisations/{id}"
	// RouteOrganisationApplications lists an owner's applications (optional ?instanceId=).
	RouteOrganisationApplications = "GET /v2/organisations/{id}/applications"
	// RouteOrganisationApplication is one application of an owner.
	RouteOrganisationApplication = "GET /v2/organisations/{id}/applications/{appId}"
	// RouteOrganisationAddons lists an owner's add-ons.
	RouteOrganisationAddons = "GET /v2/organisations/{id}/addons"
	// RouteSummary is every owner of the token with its applications and add-ons.
	RouteSummary = "GET /v2/summary"
	// RouteSelfAddon is one add-on of the token's personal space, by its v2 id.
	RouteSelfAddon = "GET /v2/self/addons/{addonId}"
	// RouteOrganisationAddon is one add-on of an owner, by its v2 id ("addon_…", not the realId).
	RouteOrganisationAddon = "GET /v2/organisations/{id}/addons/{addonId}"
	// RouteSelfLegacyDeployments is RouteOrganisationLegacyDeployments for the token's personal space.
	RouteSelfLegacyDeployments = "GET /v2/self/applications/{appId}/deployments"
	// RouteOrganisationLegacyDeployments lists an application's v2 deployments, newest
	// first (?limit=, ?offset=, ?action=).
	RouteOrganisationLegacyDeployments = "GET /v2/organisations/{id}/applications/{appId}/deployments"
	// RouteSelfLegacyDeployment is RouteOrganisationLegacyDeployment for the token's personal space.
	RouteSelfLegacyDeployment = "GET /v2/self/applications/{appId}/deployments/{deploymentId}"
	// RouteOrganisationLegacyDeployment is one v2 deployment, by uuid.
	RouteOrganisationLegacyDeployment = "GET /v2/organisations/{id}/applications/{appId}/deployments/{deploymentId}"
	// RouteSelfCancelDeployment is RouteOrganisationCancelDeployment for the token's personal space.
	RouteSelfCancelDeployment = "DELETE /v2/self/applications/{appId}/deployments/{deploymentId}/instances"
	// RouteOrganisationCancelDeployment cancels a deployment, by v2 uuid; it answers 204.
	RouteOrganisationCancelDeployment = "DELETE /v2/organisations/{id}/applications/{appId}/deployments/{deploymentId}/instances"
	// RouteSelfDeployments is RouteOrganisationDeployments for the token's personal space.
	RouteSelfDeployments = "GET /v2/self/deployments"
	// RouteOrganisationDeployments maps each application id of an owner to its v2 deployments.
	RouteOrganisationDeployments = "GET /v2/organisations/{id}/deployments"
	// RouteOrganisationMembers lists an owner's members with their roles.
	RouteOrganisationMembers = "GET /v2/organisations/{id}/members"

	// RouteZones lists the zones (?tag=, ?ownerId=). It needs no token.
	RouteZones = "GET /v4/products/zones"
	// RouteZone is one zone by name. It needs no token.
	RouteZone = "GET /v4/products/zones/{name}"

	// RouteDeployments lists an application's deployments, newest first by default.
	RouteDeployments = "GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/deployments"
	// RouteDeployment is one deployment.
	RouteDeployment = "GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/deployments/{deploymentId}"
	// RouteInstances lists an application's instances, newest first by default.
	RouteInstances = "GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/instances"
	// RouteInstance is one instance.
	RouteInstance = "GET /v4/orchestration/organisations/{ownerId}/applications/{applicationId}/instances/{instanceId}"

	// RouteLoadBalancers lists an application's load balancers of one kind ("default").
	RouteLoadBalancers = "GET /v4/load-balancers/organisations/{ownerId}/applications/{applicationId}/load-balancers/{kind}"

	// RouteInvoices lists an owner's invoices, newest first.
	RouteInvoices = "GET /v4/billing/organisations/{orgId}/invoices"
	// RouteUnpaidInvoices lists an owner's unpaid invoices.
	RouteUnpaidInvoices = "GET /v4/billing/organisations/{orgId}/invoices/unpaid"
	// RouteInvoice is one invoice by its number.
	RouteInvoice = "GET /v4/billing/organisations/{orgId}/invoices/{invoiceId}"
	// RouteInvoiceHTML is the HTML document of an invoice.
	RouteInvoiceHTML = "GET /v4/billing/organisations/{orgId}/invoices/{invoiceId}.html"
	// RouteInvoicePDF is the PDF document of an invoice.
	RouteInvoicePDF = "GET /v4/billing/organisations/{orgId}/invoices/{invoiceId}.pdf"

	// RouteOperator is one operator (keycloak, matomo, metabase, otoroshi) by realId;
	// {provider} is "addon-keycloak", "addon-matomo", "addon-metabase" or "addon-otoroshi".
	RouteOperator = "GET /v4/addon-providers/{provider}/addons/{realId}"
	// RouteOperatorReboot reboots an operator; it answers 204.
	RouteOperatorReboot = "POST /v4/addon-providers/{provider}/addons/{realId}/reboot"
	// RouteOperatorRebuild rebuilds an operator; it answers 204.
	RouteOperatorRebuild = "POST /v4/addon-providers/{provider}/addons/{realId}/rebuild"
	// RouteOperatorEnableNetworkGroup puts a keycloak or otoroshi operator in a
	// network group; it answers 202 with the operator.
	RouteOperatorEnableNetworkGroup = "POST /v4/addon-providers/{provider}/addons/{realId}/networkgroup"
	// RouteOperatorDisableNetworkGroup takes a keycloak or otoroshi operator out of
	// its network group; it answers 204.
	RouteOperatorDisableNetworkGroup = "DELETE /v4/addon-providers/{provider}/addons/{realId}/networkgroup"
	// RouteOperatorVersionCheck tells the installed and available versions
	// (keycloak, metabase, otoroshi).
	RouteOperatorVersionCheck = "GET /v4/addon-providers/{provider}/addons/{realId}/version/check"
	// RouteOperatorVersionUpdate moves an operator to {"targetVersion": …}
	// (keycloak, metabase, otoroshi).
	RouteOperatorVersionUpdate = "POST /v4/addon-providers/{provider}/addons/{realId}/version/update"
	// RouteOtoroshiConfig is the YAML configuration of an otoroshi operator.
	RouteOtoroshiConfig = "GET /v4/addon-providers/addon-otoroshi/addons/{realId}/config.yaml"

	// RouteApplicationLogs is an application's runtime logs as a text/event-stream
	// (see [Server.SetLogInterval]).
	RouteApplicationLogs = "GET /v4/logs/organisations/{ownerId}/applications/{applicationId}/logs"

	// RoutePulsarStoragePolicies reads a Pulsar add-on's retention and offload policies.
	RoutePulsarStoragePolicies = "GET /v4/addon-providers/addon-pulsar/addons/{addonId}/storage-policies"
	// RoutePulsarUpdateStoragePolicies merges new policies into a Pulsar add-on's.
	RoutePulsarUpdateStoragePolicies = "PATCH /v4/addon-providers/addon-pulsar/addons/{addonId}/storage-policies"

	// RouteUnmatched counts the requests that matched no route, including those
	// sent outside [MountPrefix] to a started server.
	RouteUnmatched = "UNMATCHED"
	// AllRoutes, given to [Server.Inject], applies a fault to every route.
	AllRoutes = "*"
)

// routeTable lists every route with its handler. The first route that matches
// wins, so literal segments ("unpaid") and suffixed ones ("{invoiceId}.pdf") come
// before the plain wildcard they would otherwise be taken for.
var routeTable = []*route{
	newRoute(RouteSelf, (*dataset).getSelf),
	newRoute(RouteSelfApplications, (*dataset).getSelfApplications),
	newRoute(RouteSelfApplication, (*dataset).getSelfApplication),
	newRoute(RouteSelfAddons, (*dataset).getSelfAddons),
	newRoute(RouteOrganisations, (*dataset).getOrganisations),
	newRoute(RouteOrganisation, (*dataset).getOrganisation),
	newRoute(RouteOrganisationApplications, (*dataset).getOrganisationApplications),
	newRoute(RouteOrganisationApplication, (*dataset).getOrganisationApplication),
	newRoute(RouteOrganisationAddons, (*dataset).getOrganisationAddons),
	newRoute(RouteSummary, (*dataset).getSummary),
	newRoute(RouteSelfAddon, (*dataset).getAddon),
	newRoute(RouteOrganisationAddon, (*dataset).getAddon),
	newRoute(RouteSelfLegacyDeployments, (*dataset).getLegacyDeployments),
	newRoute(RouteOrganisationLegacyDeployments, (*dataset).getLegacyDeployments),
	newRoute(RouteSelfLegacyDeployment, (*dataset).getLegacyDeployment),
	newRoute(RouteOrganisationLegacyDeployment, (*dataset).getLegacyDeployment),
	newRoute(RouteSelfCancelDeployment, (*dataset).cancelDeployment),
	newRoute(RouteOrganisationCancelDeployment, (*dataset).cancelDeployment),
	newRoute(RouteSelfDeployments, (*dataset).getOwnerDeployments),
	newRoute(RouteOrganisationDeployments, (*dataset).getOwnerDeployments),
	newRoute(RouteOrganisationMembers, (*dataset).getMembers),

	newRoute(RouteZones, (*dataset).getZones),
	newRoute(RouteZone, (*dataset).getZone),

	newRoute(RouteDeployments, (*dataset).getDeployments),
	newRoute(RouteDeployment, (*dataset).getDeployment),
	newRoute(RouteInstances, (*dataset).getInstances),
	newRoute(RouteInstance, (*dataset).getInstance),
	newRoute(RouteLoadBalancers, (*dataset).getLoadBalancers),
	newRoute(RouteApplicationLogs, nil), // streamed: see streamers

	newRoute(RouteInvoices, (*dataset).getInvoices),
	newRoute(RouteUnpaidInvoices, (*dataset).getUnpaidInvoices),
	newRoute(RouteInvoiceHTML, (*dataset).getInvoiceHTML),
	newRoute(RouteInvoicePDF, (*dataset).getInvoicePDF),
	newRoute(RouteInvoice, (*dataset).getInvoice),

	newRoute(RouteOtoroshiConfig, (*dataset).getOtoroshiConfig),
	newRoute(RouteOperator, (*dataset).getOperator),
	newRoute(RouteOperatorReboot, (*dataset).rebootOperator),
	newRoute(RouteOperatorRebuild, (*dataset).rebootOperator),
	newRoute(RouteOperatorEnableNetworkGroup, (*dataset).enableNetworkGroup),
	newRoute(RouteOperatorDisableNetworkGroup, (*dataset).disableNetworkGroup),
	newRoute(RouteOperatorVersionCheck, (*dataset).checkOperatorVersion),
	newRoute(RouteOperatorVersionUpdate, (*dataset).updateOperatorVersion),

	newRoute(RoutePulsarStoragePolicies, (*dataset).getStoragePolicies),
	newRoute(RoutePulsarUpdateStoragePolicies, (*dataset).patchStoragePolicies),
}

// Routes returns the name of every route the fake serves, in matching order.
func Routes() []string {
	names := make([]string, len(routeTable))
	for i, rt := range routeTable {
		names[i] = rt.name
	}
	return names
}
