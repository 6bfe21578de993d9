package upstreamtest

// zone is a zone in the /v4/products/zones shape.
type zone struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Country     string   `json:"country"`
	CountryCode string   `json:"countryCode"`
	City        string   `json:"city"`
	DisplayName string   `json:"displayName"`
	Lat         float64  `json:"lat"`
	Lon         float64  `json:"lon"`
	OutboundIPs []string `json:"outboundIPs"`
	Tags        []string `json:"tags"`

	owner   string   // non-empty: a private zone, listed only with ?ownerId=owner
	lbAddrs []string // A records of the zone's default load balancer
}

// buildZones returns the public zones, then one zone private to OrgAcme.
func buildZones() []*zone {
	zones := []*zone{
		{Name: "par", Country: "France", CountryCode: "FR", City: "Paris", DisplayName: "Paris",
			Lat: 48.8566, Lon: 2.3522, OutboundIPs: []string{"46.252.181.210", "46.252.181.211", "185.42.117.108"},
			Tags:    []string{"infra:clever-cloud", "region:eu", "for:applications", "for:addons"},
			lbAddrs: []string{"91.208.207.214", "91.208.207.215"}},
		{Name: "parhds", Country: "France", CountryCode: "FR", City: "Paris", DisplayName: "Paris (HDS)",
			Lat: 48.8566, Lon: 2.3522, OutboundIPs: []string{"46.252.181.230"},
			Tags:    []string{"infra:clever-cloud", "region:eu", "certification:hds", "for:applications", "for:addons"},
			lbAddrs: []string{"91.208.207.230", "91.208.207.231"}},
		{Name: "rbx", Country: "France", CountryCode: "FR", City: "Roubaix", DisplayName: "Roubaix",
			Lat: 50.6942, Lon: 3.1746, OutboundIPs: []string{"87.98.180.173", "87.98.182.91"},
			Tags:    []string{"infra:ovh", "region:eu", "for:applications", "for:addons"},
			lbAddrs: []string{"87.98.177.176", "87.98.177.177"}},
		{Name: "rbxhds", Country: "France", CountryCode: "FR", City: "Roubaix", DisplayName: "Roubaix (HDS)",
			Lat: 50.6942, Lon: 3.1746, OutboundIPs: []string{"51.210.218.2"},
			Tags:    []string{"infra:ovh", "region:eu", "certification:hds", "for:applications", "for:addons"},
			lbAddrs: []string{"51.210.218.10", "51.210.218.11"}},
		{Name: "grahds", Country: "France", CountryCode: "FR", City: "Gravelines", DisplayName: "Gravelines (HDS)",
			Lat: 50.9871, Lon: 2.1255, OutboundIPs: []string{"51.91.130.59"},
			Tags:    []string{"infra:ovh", "region:eu", "certification:hds", "for:addons"},
			lbAddrs: []string{"51.91.130.60", "51.91.130.61"}},
		{Name: "scw", Country: "France", CountryCode: "FR", City: "Paris", DisplayName: "Paris (Scaleway)",
			Lat: 48.8566, Lon: 2.3522, OutboundIPs: []string{"51.158.104.81"},
			Tags:    []string{"infra:scaleway", "region:eu", "for:applications", "for:addons"},
			lbAddrs: []string{"51.158.104.90", "51.158.104.91"}},
		{Name: "wsw", Country: "Poland", CountryCode: "PL", City: "Warsaw", DisplayName: "Warsaw",
			Lat: 52.2297, Lon: 21.0122, OutboundIPs: []string{"57.128.160.4"},
			Tags:    []string{"infra:ovh", "region:eu", "for:applications", "for:addons"},
			lbAddrs: []string{"57.128.160.20", "57.128.160.21"}},
		{Name: "mtl", Country: "Canada", CountryCode: "CA", City: "Montreal", DisplayName: "Montreal",
			Lat: 45.5017, Lon: -73.5673, OutboundIPs: []string{"158.69.92.233", "158.69.92.234"},
			Tags:    []string{"infra:ovh", "region:na", "for:applications", "for:addons"},
			lbAddrs: []string{"158.69.92.240", "158.69.92.241"}},
		{Name: "sgp", Country: "Singapore", CountryCode: "SG", City: "Singapore", DisplayName: "Singapore",
			Lat: 1.3521, Lon: 103.8198, OutboundIPs: []string{"139.99.120.46"},
			Tags:    []string{"infra:ovh", "region:apac", "for:applications", "for:addons"},
			lbAddrs: []string{"139.99.120.50", "139.99.120.51"}},
		{Name: "syd", Country: "Australia", CountryCode: "AU", City: "Sydney", DisplayName: "Sydney",
			Lat: -33.8688, Lon: 151.2093, OutboundIPs: []string{"139.99.196.55"},
			Tags:    []string{"infra:ovh", "region:apac", "for:applications", "for:addons"},
			lbAddrs: []string{"139.99.196.60", "139.99.196.61"}},
		{Name: "acme-par", Country: "France", CountryCode: "FR", City: "Paris", DisplayName: "Acme dedicated (Paris)",
			Lat: 48.8566, Lon: 2.3522, OutboundIPs: []string{"46.252.181.240"},
			Tags:  []string{"infra:clever-cloud", "region:eu", "scope:private", "for:applications"},
			owner: OrgAcme, lbAddrs: []string{"91.208.207.240", "91.208.207.241"}},
	}
	for _, z := range zones {
		z.ID = uuidFor("zone/" + z.Name)
	}
	return zones
}

// zone returns the zone with that name, or nil.
func (d *dataset) zone(name string) *zone {
	for _, z := range d.zones {
		if z.Name == name {
			return z
		}
	}
	return nil
}
