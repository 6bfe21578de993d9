package upstreamtest

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// appRecord is an application with what the v4 orchestration and load-balancer
// routes say about it.
type appRecord struct {
	app         *application
	deployments []*deployment // newest first
	instances   []*instance   // newest first
	lb          *loadBalancer
}

// deployment is a deployment in the v4 orchestration shape.
type deployment struct {
	ID                string           `json:"id"`
	OwnerID           string           `json:"ownerId"`
	ApplicationID     string           `json:"applicationId"`
	StartDate         string           `json:"startDate"`
	State             string           `json:"state"`
	Steps             []deploymentStep `json:"steps"`
	Version           deployVersion    `json:"version"`
	Origin            deployOrigin     `json:"origin"`
	HasDedicatedBuild bool             `json:"hasDedicatedBuild"`

	start time.Time
}

type deploymentStep struct {
	State string `json:"state"`
	Date  string `json:"date"`
}

type deployVersion struct {
	CommitID string `json:"commitId"`
}

type deployOrigin struct {
	Action      string   `json:"action"`
	Cause       string   `json:"cause"`
	Source      string   `json:"source"`
	AuthorID    string   `json:"authorId"`
	Constraints []string `json:"constraints"`
	Priority    string   `json:"priority"`
}

// instance is an instance in the v4 orchestration shape.
type instance struct {
	ID            string          `json:"id"`
	OwnerID       string          `json:"ownerId"`
	ApplicationID string          `json:"applicationId"`
	DeploymentID  string          `json:"deploymentId"`
	Name          string          `json:"name"`
	Flavor        string          `json:"flavor"`
	Index         int             `json:"index"`
	State         string          `json:"state"`
	CreationDate  string          `json:"creationDate"`
	DeletionDate  *string         `json:"deletionDate"`
	Network       instanceNetwork `json:"network"`
	IsBuildVM     bool            `json:"isBuildVm"`
	HypervisorID  string          `json:"hypervisorId"`

	created time.Time
}

type instanceNetwork struct {
	IP   string `json:"ip"`
	Port int    `json:"port"`
}

// loadBalancer is a load balancer in the v4 shape; an application's default one
// is its zone's shared load balancer.
type loadBalancer struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	ZoneID string `json:"zoneId"`
	DNS    lbDNS  `json:"dns"`
}

type lbDNS struct {
	CNAME string   `json:"cname"`
	A     []string `json:"a"`
}

// Values the v4 API documents for deployments and instances.
var (
	deploymentActions = []string{"DEPLOY", "UNDEPLOY", "UPSCALE", "DOWNSCALE", "REPLACE", "CANCEL", "NONE"}
	instanceStates    = []string{"BOOTING", "READY", "STARTING", "DEPLOYING", "BUILDING", "STOPPING", "DELETED",
		"GHOST", "MIGRATION_IN_PROGRESS", "UP", "TASK_IN_PROGRESS"}
)

var instanceNames = []string{
	"Brave Badger", "Calm Capybara", "Eager Eagle", "Gentle Gecko", "Happy Heron", "Jolly Jaguar",
	"Keen Koala", "Lively Lynx", "Mighty Marmot", "Noble Narwhal", "Quick Quokka", "Swift Sparrow",
}

// buildOrchestration returns an application's three deployments (newest first:
// a SUCCEEDED git push, then a restart or an upscale, then an older git push
// that failed for one application in three) and its instances: two UP ones of
// the newest deployment, one DELETED of the previous, and a DELETED build VM
// when the application builds separately.
func buildOrchestration(a *application, n int, author string) ([]*deployment, []*instance) {
	newest := now.Add(-time.Duration(5*n+2)*time.Hour - time.Duration(7*n)*time.Minute)
	middle := newest.Add(-time.Duration(48+n) * time.Hour)
	oldest := middle.Add(-5 * 24 * time.Hour)
	oldCommit := hexFor("commit/"+a.ID+"/2", 40)

	mk := func(i int, start time.Time, state, commit string, origin deployOrigin) *deployment {
		return &deployment{
			ID: "deployment_" + uuidFor("deployment/"+a.ID+"/"+strconv.Itoa(i)), OwnerID: a.OwnerID, ApplicationID: a.ID,
			StartDate: iso(start), State: state,
			Steps: []deploymentStep{
				{State: "QUEUED", Date: iso(start)},
				{State: "WORK_IN_PROGRESS", Date: iso(start.Add(4 * time.Second))},
				{State: state, Date: iso(start.Add(time.Duration(95+11*n) * time.Second))},
			},
			Version:           deployVersion{CommitID: commit},
			Origin:            origin,
			HasDedicatedBuild: a.SeparateBuild && origin.Action == "DEPLOY",
			start:             start,
		}
	}
	push := deployOrigin{Action: "DEPLOY", Cause: "git push", Source: "GIT", AuthorID: author, Constraints: []string{}, Priority: "DEFAULT"}
	second := deployOrigin{Action: "DEPLOY", Cause: "restart from console", Source: "CONSOLE", AuthorID: author, Constraints: []string{"REBUILD"}, Priority: "DEFAULT"}
	if n%4 == 1 {
		second = deployOrigin{Action: "UPSCALE", Cause: "autoscaling", Source: "AUTOSCALER", AuthorID: author, Constraints: []string{}, Priority: "URGENT"}
	}
	secondState, oldestState := "SUCCEEDED", "SUCCEEDED"
	if n%5 == 2 {
		secondState = "CANCELLED"
	}
	if n%3 == 0 {
		oldestState = "FAILED"
	}
	deps := []*deployment{
		mk(0, newest, "SUCCEEDED", hexFor("commit/"+a.ID+"/0", 40), push),
		mk(1, middle, secondState, oldCommit, second),
		mk(2, oldest, oldestState, oldCommit, push),
	}

	size := a.Instance.MinFlavor.Name
	inst := func(k int, dep *deployment, index int, created time.Time, deleted *time.Time, flavor string) *instance {
		in := &instance{
			ID: uuidFor("instance/" + a.ID + "/" + strconv.Itoa(k)), OwnerID: a.OwnerID, ApplicationID: a.ID, DeploymentID: dep.ID,
			Name: instanceNames[(3*n+k)%len(instanceNames)], Flavor: flavor, Index: index, State: "UP",
			CreationDate: iso(created),
			Network:      instanceNetwork{IP: fmt.Sprintf("10.2.%d.%d", n, 10+k), Port: 20000 + 10*n + k},
			HypervisorID: fmt.Sprintf("hv-%s-%03d", a.Zone, (7*n+k)%97),
			created:      created,
		}
		if deleted != nil {
			in.State, in.DeletionDate = "DELETED", ptr(iso(*deleted))
		}
		return in
	}
	replaced := newest.Add(150 * time.Second)
	instances := []*instance{
		inst(0, deps[0], 0, newest.Add(75*time.Second), nil, size),
		inst(1, deps[0], 1, newest.Add(79*time.Second), nil, size),
		inst(2, deps[1], 0, middle.Add(80*time.Second), &replaced, size),
	}
	if a.SeparateBuild {
		built := newest.Add(70 * time.Second)
		vm := inst(3, deps[0], 0, newest.Add(6*time.Second), &built, a.BuildFlavor.Name)
		vm.IsBuildVM = true
		instances = append(instances, vm)
	}
	slices.SortFunc(instances, func(x, y *instance) int { return y.created.Compare(x.created) })
	return deps, instances
}

// sortByTime orders items by a time, newest first unless asc.
func sortByTime[T any](items []T, at func(T) time.Time, asc bool) {
	slices.SortStableFunc(items, func(x, y T) int {
		if asc {
			return at(x).Compare(at(y))
		}
		return at(y).Compare(at(x))
	})
}
