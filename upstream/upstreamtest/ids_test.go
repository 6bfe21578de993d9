package upstreamtest

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"
)

// TestExportedIDs checks that every exported id names what its doc says.
func TestExportedIDs(t *testing.T) {
	t.Parallel()
	d := newDataset()
	acme, beta, bobCorp, alice := d.owners[OrgAcme], d.owners[OrgBeta], d.owners[OrgBobCorp], d.owners[UserAlice]
	first := acme.apps[0]
	var up0 string
	for _, in := range first.instances {
		if in.State == "UP" && in.Index == 0 {
			up0 = in.ID
		}
	}
	addon := func(o *owner, provider string) *addon {
		for _, a := range o.addons {
			if a.Provider.ID == provider {
				return a
			}
		}
		t.Fatalf("%s has no %s add-on", o.org.ID, provider)
		return nil
	}
	tests := []struct{ name, got, want string }{
		{"AcmeFirstAppID", first.app.ID, AcmeFirstAppID},
		{"AcmeFirstAppDeploymentID", first.deployments[0].ID, AcmeFirstAppDeploymentID},
		{"AcmeFirstAppInstanceID", up0, AcmeFirstAppInstanceID},
		{"AcmeKeycloakAddonID", addon(acme, "keycloak").ID, AcmeKeycloakAddonID},
		{"AcmeKeycloakRealID", addon(acme, "keycloak").RealID, AcmeKeycloakRealID},
		{"AcmeKeycloakAppID", d.operators[AcmeKeycloakRealID].op.Resources.Entrypoint, AcmeKeycloakAppID},
		{"AcmeOtoroshiRealID", addon(acme, "otoroshi").RealID, AcmeOtoroshiRealID},
		{"AcmeMatomoRealID", addon(acme, "addon-matomo").RealID, AcmeMatomoRealID},
		{"AcmeMetabaseRealID", addon(acme, "metabase").RealID, AcmeMetabaseRealID},
		{"AcmePulsarAddonID", addon(acme, "addon-pulsar").ID, AcmePulsarAddonID},
		{"AcmePulsarRealID", addon(acme, "addon-pulsar").RealID, AcmePulsarRealID},
		{"AcmePostgresAddonID", addon(acme, "postgresql-addon").ID, AcmePostgresAddonID},
		{"AcmeUnpaidInvoiceID", acme.invoices[0].InvoiceNumber, AcmeUnpaidInvoiceID},
		{"AcmePaidInvoiceID", acme.invoices[1].InvoiceNumber, AcmePaidInvoiceID},
		{"BetaPulsarAddonID", addon(beta, "addon-pulsar").ID, BetaPulsarAddonID},
		{"BetaPulsarRealID", addon(beta, "addon-pulsar").RealID, BetaPulsarRealID},
		{"BobCorpFirstAppID", bobCorp.apps[0].app.ID, BobCorpFirstAppID},
		{"BobCorpKeycloakRealID", addon(bobCorp, "keycloak").RealID, BobCorpKeycloakRealID},
		{"AliceFirstAppID", alice.apps[0].app.ID, AliceFirstAppID},
		{"AliceMetabaseRealID", addon(alice, "metabase").RealID, AliceMetabaseRealID},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, but the dataset has %q", tt.name, tt.want, tt.got)
		}
	}
	if acme.invoices[0].Status != "PENDING" || acme.invoices[1].Status != "PAID" {
		t.Errorf("Acme invoice statuses: %s, %s", acme.invoices[0].Status, acme.invoices[1].Status)
	}
	if !d.pulsars[BetaPulsarAddonID].legacy || d.pulsars[AcmePulsarAddonID].legacy {
		t.Error("only OrgBeta's pulsar answers in the older units")
	}
}

// TestDatasetInvariants checks what the dataset promises about every application.
func TestDatasetInvariants(t *testing.T) {
	t.Parallel()
	d := newDataset()
	commit := regexp.MustCompile(`^[0-9a-f]{40}$`)
	uuid := `[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}`
	appID := regexp.MustCompile(`^app_` + uuid + `$`)
	depID := regexp.MustCompile(`^deployment_` + uuid + `$`)
	failed, buildVMs := 0, 0
	for ownerID, o := range d.owners {
		for _, a := range o.apps {
			if !appID.MatchString(a.app.ID) || a.app.OwnerID != ownerID {
				t.Errorf("app %q of %s", a.app.ID, ownerID)
			}
			if z := d.zone(a.app.Zone); z == nil || z.ID != a.app.ZoneID || z.owner != "" {
				t.Errorf("app %s: zone %s/%s is not a public zone", a.app.Name, a.app.Zone, a.app.ZoneID)
			}
			if d.zone(a.lb.Name) == nil || d.zone(a.lb.Name).ID != a.lb.ZoneID {
				t.Errorf("app %s: load balancer zone %s", a.app.Name, a.lb.Name)
			}
			deps := a.deployments
			if len(deps) != 3 || deps[0].State != "SUCCEEDED" || deps[0].Version.CommitID != a.app.CommitID {
				t.Errorf("app %s: deployments %d, newest %s", a.app.Name, len(deps), deps[0].State)
			}
			for i, dep := range deps {
				if !depID.MatchString(dep.ID) || !commit.MatchString(dep.Version.CommitID) || len(dep.Steps) != 3 {
					t.Errorf("app %s: deployment %+v", a.app.Name, dep)
				}
				if i > 0 && !dep.start.Before(deps[i-1].start) {
					t.Errorf("app %s: deployments not newest first", a.app.Name)
				}
				if dep.State == "FAILED" {
					failed++
				}
			}
			var upIndexes []int
			deletedOfPrevious := 0
			for _, in := range a.instances {
				switch {
				case in.IsBuildVM:
					buildVMs++
					if in.State != "DELETED" || in.DeletionDate == nil {
						t.Errorf("app %s: build VM %s", a.app.Name, in.State)
					}
				case in.State == "UP" && in.DeploymentID == deps[0].ID && in.DeletionDate == nil:
					upIndexes = append(upIndexes, in.Index)
				case in.State == "DELETED" && in.DeploymentID == deps[1].ID && in.DeletionDate != nil:
					deletedOfPrevious++
				default:
					t.Errorf("app %s: unexpected instance %+v", a.app.Name, in)
				}
				if !slices.Contains(instanceStates, in.State) {
					t.Errorf("instance state %q is not documented", in.State)
				}
			}
			slices.Sort(upIndexes)
			if !slices.Equal(upIndexes, []int{0, 1}) || deletedOfPrevious != 1 {
				t.Errorf("app %s: UP indexes %v, deleted of previous %d", a.app.Name, upIndexes, deletedOfPrevious)
			}
		}
	}
	if failed == 0 || buildVMs == 0 {
		t.Errorf("%d FAILED deployments and %d build VMs; want some of each", failed, buildVMs)
	}
	for realID, rec := range d.operators {
		if d.owners[rec.op.OwnerID].app(rec.op.Resources.Entrypoint) == nil {
			t.Errorf("operator %s: entrypoint %s is not an application of its owner", realID, rec.op.Resources.Entrypoint)
		}
	}
}

// TestDatasetIsDeterministic builds the dataset twice and compares what it serves.
func TestDatasetIsDeterministic(t *testing.T) {
	t.Parallel()
	encode := func(d *dataset) string {
		var all []any
		for _, id := range []string{OrgAcme, OrgBeta, OrgBobCorp, UserAlice, UserBob} {
			o := d.owners[id]
			all = append(all, o.org, o.addons, o.invoices)
			for _, a := range o.apps {
				all = append(all, a.app, a.deployments, a.instances, a.lb)
			}
		}
		for _, id := range []string{AcmeKeycloakRealID, AcmeOtoroshiRealID, AcmeMatomoRealID, AcmeMetabaseRealID} {
			all = append(all, d.operators[id].op)
		}
		b, err := json.Marshal(all)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if encode(newDataset()) != encode(newDataset()) {
		t.Error("two datasets differ")
	}
}
