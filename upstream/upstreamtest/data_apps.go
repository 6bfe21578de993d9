package upstreamtest

import (
	"strconv"
	"strings"
	"time"
)

// application is an application in the v2 shape (/v2/organisations/{id}/applications).
type application struct {
	ID             string        `json:"id"`
	OwnerID        string        `json:"ownerId"`
	Name           string        `json:"name"`
	Description    string        `json:"description"`
	Zone           string        `json:"zone"`
	ZoneID         string        `json:"zoneId"`
	Instance       appInstance   `json:"instance"`
	Deployment     appDeployment `json:"deployment"`
	Vhosts         []vhost       `json:"vhosts"`
	CreationDate   int64         `json:"creationDate"`
	LastDeploy     int           `json:"last_deploy"`
	Archived       bool          `json:"archived"`
	StickySessions bool          `json:"stickySessions"`
	Homogeneous    bool          `json:"homogeneous"`
	Favourite      bool          `json:"favourite"`
	CancelOnPush   bool          `json:"cancelOnPush"`
	WebhookURL     *string       `json:"webhookUrl"`
	WebhookSecret  *string       `json:"webhookSecret"`
	SeparateBuild  bool          `json:"separateBuild"`
	BuildFlavor    flavor        `json:"buildFlavor"`
	State          string        `json:"state"`
	CommitID       string        `json:"commitId"`
	Appliance      *string       `json:"appliance"`
	Branch         string        `json:"branch"`
	ForceHTTPS     string        `json:"forceHttps"`
	Env            []envVar      `json:"env"`
	DeployURL      string        `json:"deployUrl"`
}

type appInstance struct {
	Type                string            `json:"type"`
	Version             string            `json:"version"`
	Variant             variant           `json:"variant"`
	MinInstances        int               `json:"minInstances"`
	MaxInstances        int               `json:"maxInstances"`
	MaxAllowedInstances int               `json:"maxAllowedInstances"`
	MinFlavor           flavor            `json:"minFlavor"`
	MaxFlavor           flavor            `json:"maxFlavor"`
	Flavors             []flavor          `json:"flavors"`
	DefaultEnv          map[string]string `json:"defaultEnv"`
	Lifetime            string            `json:"lifetime"`
	InstanceAndVersion  string            `json:"instanceAndVersion"`
}

type variant struct {
	ID         string `json:"id"`
	Slug       string `json:"slug"`
	Name       string `json:"name"`
	DeployType string `json:"deployType"`
	Logo       string `json:"logo"`
}

type flavor struct {
	Name            string  `json:"name"`
	Mem             int     `json:"mem"`
	Cpus            int     `json:"cpus"`
	Gpus            int     `json:"gpus"`
	Disk            *int    `json:"disk"`
	Price           float64 `json:"price"`
	Available       bool    `json:"available"`
	Microservice    bool    `json:"microservice"`
	MachineLearning bool    `json:"machine_learning"`
	Nice            int     `json:"nice"`
	PriceID         string  `json:"price_id"`
	Memory          memory  `json:"memory"`
	CPUFactor       float64 `json:"cpuFactor"`
	MemFactor       float64 `json:"memFactor"`
}

type memory struct {
	Unit      string `json:"unit"`
	Value     int    `json:"value"`
	Formatted string `json:"formatted"`
}

type appDeployment struct {
	Shutdownable bool   `json:"shutdownable"`
	Type         string `json:"type"`
	RepoState    string `json:"repoState"`
	URL          string `json:"url"`
	HTTPURL      string `json:"httpUrl"`
}

type vhost struct {
	FQDN string `json:"fqdn"`
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// flavors are the instance sizes, smallest first.
var flavors = []flavor{
	newFlavor("pico", 256, 1, 0.1073, true),
	newFlavor("nano", 512, 1, 0.1431, true),
	newFlavor("XS", 1024, 1, 0.3436, false),
	newFlavor("S", 2048, 2, 0.6871, false),
	newFlavor("M", 4096, 4, 1.7177, false),
	newFlavor("L", 8192, 6, 3.4355, false),
	newFlavor("XL", 16384, 8, 6.8710, false),
}

func newFlavor(name string, mem, cpus int, price float64, micro bool) flavor {
	return flavor{
		Name: name, Mem: mem, Cpus: cpus, Price: price, Available: true, Microservice: micro,
		PriceID: "apps." + strings.ToLower(name), Memory: memory{Unit: "B", Value: mem << 20, Formatted: formatMiB(mem)},
		CPUFactor: 1, MemFactor: 1,
	}
}

func formatMiB(mib int) string {
	if mib < 1024 {
		return strconv.Itoa(mib) + " MiB"
	}
	return strconv.Itoa(mib/1024) + " GiB"
}

func flavorNamed(name string) flavor {
	for _, f := range flavors {
		if f.Name == name {
			return f
		}
	}
	panic("upstreamtest: no flavor " + name)
}

// runtime is an instance type with its variant, as the console lists them.
type runtime struct {
	typ, version string
	variant      variant
	defaultEnv   map[string]string
}

func newRuntime(typ, version, slug, name string, env map[string]string) runtime {
	if env == nil {
		env = map[string]string{}
	}
	return runtime{typ: typ, version: version, defaultEnv: env, variant: variant{
		ID: uuidFor("variant/" + slug), Slug: slug, Name: name, DeployType: typ,
		Logo: "https://assets.clever-cloud.com/logos/" + slug + ".svg",
	}}
}

var runtimes = map[string]runtime{
	"node":          newRuntime("node", "20250604", "node", "Node", map[string]string{"CC_NODE_BUILD_TOOL": "npm"}),
	"python":        newRuntime("python", "20250604", "python", "Python", map[string]string{"CC_PYTHON_VERSION": "3.13"}),
	"go":            newRuntime("go", "20250604", "go", "Go", nil),
	"jar":           newRuntime("java", "20250604", "jar", "Java + JAR", map[string]string{"CC_JAVA_VERSION": "21"}),
	"maven":         newRuntime("java", "20250604", "maven", "Java + Maven", map[string]string{"CC_JAVA_VERSION": "21"}),
	"php":           newRuntime("php", "20250604", "php", "PHP", map[string]string{"CC_PHP_VERSION": "8.3"}),
	"ruby":          newRuntime("ruby", "20250604", "ruby", "Ruby", nil),
	"rust":          newRuntime("rust", "20250604", "rust", "Rust", nil),
	"docker":        newRuntime("docker", "20250604", "docker", "Docker", nil),
	"static-apache": newRuntime("static-apache", "20250604", "static-apache", "Static HTML", nil),
	"dotnet":        newRuntime("dotnet", "20250604", "dotnet", ".NET", nil),
	"elixir":        newRuntime("elixir", "20250604", "elixir", "Elixir", nil),
}

// appSpec describes an application to generate.
type appSpec struct {
	name, description string
	runtime           string // key of runtimes
	zone              string
	flavor            string // instance flavor
	maxInstances      int
	separateBuild     bool   // builds on a dedicated VM (flavor M)
	github            string // repository on GitHub, if linked
	domain            string // custom domain, besides the cleverapps.io one
	state             string // default SHOULD_BE_UP
}

var acmeApps = []appSpec{
	{name: "acme-storefront", description: "Public web shop", runtime: "node", zone: "par", flavor: "S", maxInstances: 6,
		github: "https://github.com/acme-corp/storefront", domain: "shop.acme.example"},
	{name: "acme-api", description: "Public REST API", runtime: "go", zone: "par", flavor: "M", maxInstances: 8, domain: "api.acme.example"},
	{name: "checkout-service", description: "Payments and order checkout", runtime: "maven", zone: "par", flavor: "M", maxInstances: 4, separateBuild: true},
	{name: "inventory-worker", description: "Stock synchronisation jobs", runtime: "python", zone: "rbx", flavor: "XS", maxInstances: 2},
	{name: "search-indexer", description: "Catalogue indexing", runtime: "rust", zone: "par", flavor: "S", maxInstances: 2, separateBuild: true},
	{name: "notifications", description: "E-mail and push notifications", runtime: "node", zone: "rbx", flavor: "XS", maxInstances: 3},
	{name: "billing-cron", description: "Nightly billing exports", runtime: "python", zone: "par", flavor: "nano", maxInstances: 2},
	{name: "docs-site", description: "Developer documentation", runtime: "static-apache", zone: "par", flavor: "pico", maxInstances: 2,
		github: "https://github.com/acme-corp/docs", domain: "docs.acme.example"},
	{name: "status-page", description: "Public status page", runtime: "node", zone: "wsw", flavor: "pico", maxInstances: 2},
	{name: "image-resizer", description: "On-the-fly image thumbnails", runtime: "docker", zone: "rbx", flavor: "M", maxInstances: 4},
	{name: "analytics-collector", description: "Event ingestion for North America", runtime: "go", zone: "mtl", flavor: "S", maxInstances: 4},
	{name: "mobile-bff", description: "Backend for the mobile apps (APAC)", runtime: "node", zone: "sgp", flavor: "S", maxInstances: 4},
	{name: "patient-portal", description: "Health data portal (HDS)", runtime: "ruby", zone: "rbxhds", flavor: "S", maxInstances: 2},
	{name: "legacy-shop", description: "Former PHP shop, read-only", runtime: "php", zone: "par", flavor: "S", maxInstances: 2, state: "WANTS_TO_BE_UP"},
	{name: "pdf-renderer", description: "Invoice and report rendering", runtime: "dotnet", zone: "par", flavor: "M", maxInstances: 2, separateBuild: true},
	{name: "realtime-gateway", description: "WebSocket fan-out", runtime: "elixir", zone: "par", flavor: "S", maxInstances: 4},
	{name: "acme-sso", description: "Keycloak operator entrypoint", runtime: "jar", zone: "par", flavor: "M", maxInstances: 2},
	{name: "acme-gateway", description: "Otoroshi operator entrypoint", runtime: "jar", zone: "par", flavor: "S", maxInstances: 2},
	{name: "acme-stats", description: "Matomo operator entrypoint", runtime: "php", zone: "par", flavor: "S", maxInstances: 2},
	{name: "acme-bi", description: "Metabase operator entrypoint", runtime: "jar", zone: "par", flavor: "M", maxInstances: 2},
}

var betaApps = []appSpec{
	{name: "beta-landing", description: "Landing page", runtime: "static-apache", zone: "wsw", flavor: "pico", maxInstances: 2},
	{name: "beta-ml-api", description: "Model serving prototype", runtime: "python", zone: "sgp", flavor: "L", maxInstances: 2, separateBuild: true},
}

var bobCorpApps = []appSpec{
	{name: "bobcorp-website", description: "Corporate website", runtime: "php", zone: "mtl", flavor: "S", maxInstances: 3, domain: "www.bobcorp.example"},
	{name: "bobcorp-sso", description: "Keycloak operator entrypoint", runtime: "jar", zone: "mtl", flavor: "M", maxInstances: 2},
}

var aliceApps = []appSpec{
	{name: "alice-blog", description: "Personal blog", runtime: "node", zone: "par", flavor: "nano", maxInstances: 2,
		github: "https://github.com/alice-martin/blog"},
	{name: "alice-bi", description: "Metabase operator entrypoint", runtime: "jar", zone: "par", flavor: "M", maxInstances: 2},
}

var bobApps = []appSpec{
	{name: "bob-sandbox", description: "Playground", runtime: "go", zone: "mtl", flavor: "XS", maxInstances: 2},
	{name: "bob-bot", description: "Chat bot", runtime: "python", zone: "syd", flavor: "nano", maxInstances: 2},
}

// addApps generates the owner's applications with their deployments, instances
// and load balancer.
func (d *dataset) addApps(o *owner, specs []appSpec) {
	for _, spec := range specs {
		n := d.appCounter
		d.appCounter++
		id := "app_" + uuidFor("app/"+o.org.ID+"/"+spec.name)
		z := d.zone(spec.zone)
		rt := runtimes[spec.runtime]
		size := flavorNamed(spec.flavor)
		build := size
		if spec.separateBuild {
			build = flavorNamed("M")
		}
		state := spec.state
		if state == "" {
			state = "SHOULD_BE_UP"
		}
		pushHost := "push-n3-" + spec.zone + "-clevercloud-customers.services.clever-cloud.com"
		httpURL := "https://" + pushHost + "/" + id + ".git"
		if spec.github != "" {
			httpURL = spec.github
		}
		vhosts := []vhost{{FQDN: "app-" + strings.TrimPrefix(id, "app_") + ".cleverapps.io/"}}
		if spec.domain != "" {
			vhosts = append(vhosts, vhost{FQDN: spec.domain + "/"})
		}
		a := &application{
			ID: id, OwnerID: o.org.ID, Name: spec.name, Description: spec.description,
			Zone: z.Name, ZoneID: z.ID,
			Instance: appInstance{
				Type: rt.typ, Version: rt.version, Variant: rt.variant,
				MinInstances: 2, MaxInstances: spec.maxInstances, MaxAllowedInstances: 40,
				MinFlavor: size, MaxFlavor: size, Flavors: flavors, DefaultEnv: rt.defaultEnv,
				Lifetime: "REGULAR", InstanceAndVersion: rt.typ + "-" + rt.version,
			},
			Deployment: appDeployment{
				Shutdownable: true, Type: "GIT", RepoState: "CREATED",
				URL: "git+ssh://git@" + pushHost + "/" + id + ".git", HTTPURL: httpURL,
			},
			Vhosts:         vhosts,
			CreationDate:   epochMillis(daysBefore(200 + 7*n).Add(time.Duration(n) * 37 * time.Minute)),
			LastDeploy:     40 + 3*n,
			StickySessions: n%5 == 0,
			Homogeneous:    true,
			Favourite:      n%7 == 0,
			CancelOnPush:   n%2 == 0,
			SeparateBuild:  spec.separateBuild,
			BuildFlavor:    build,
			State:          state,
			Branch:         "main",
			ForceHTTPS:     "ENABLED",
			Env:            []envVar{},
			DeployURL:      httpURL,
		}
		if n%4 == 3 {
			a.ForceHTTPS = "DISABLED"
		}
		rec := &appRecord{app: a}
		rec.deployments, rec.instances = buildOrchestration(a, n, userOf(o))
		a.CommitID = rec.deployments[0].Version.CommitID
		rec.lb = &loadBalancer{
			ID: "lb_" + uuidFor("lb/"+z.Name), Name: z.Name, ZoneID: z.ID,
			DNS: lbDNS{CNAME: "domain." + z.Name + ".clever-cloud.com", A: z.lbAddrs},
		}
		o.apps = append(o.apps, rec)
	}
}

// userOf returns the member who deploys an owner's applications.
func userOf(o *owner) string {
	for userID := range o.roles { // every owner of the dataset has one member
		return userID
	}
	return ""
}
