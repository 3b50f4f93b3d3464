package provider

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

// lossyProxy forwards to the service and, while told to, loses the
// responses of one method: the service acts, the provider never hears.
type lossyProxy struct {
	URL string

	mu     sync.Mutex
	method string
	left   int // responses still to lose; -1 loses every one
	lost   int
}

func newLossyProxy(t *testing.T, target string) *lossyProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &lossyProxy{}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(resp *http.Response) error {
		if p.take(resp.Request.Method) {
			return errors.New("response lost on purpose")
		}
		return nil
	}
	rp.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) {
		panic(http.ErrAbortHandler) // cut the connection, as a lost response does
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// lose makes the proxy lose the next n responses to method (-1: all).
func (p *lossyProxy) lose(method string, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.method, p.left = method, n
}

func (p *lossyProxy) take(method string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if method != p.method || p.left == 0 {
		return false
	}
	p.left--
	p.lost++
	return true
}

// lostCount is how many responses the proxy lost.
func (p *lossyProxy) lostCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lost
}

// throughProxy returns the organization as reached through the proxy, with
// few retries so that losing every response fails an apply quickly.
func throughProxy(org *acctest.Org, p *lossyProxy) string {
	via := *org
	via.APIURL = p.URL
	return via.ProviderConfigWithBlocks("  max_retries = 1")
}

func memberHCL(name, regions string) string {
	return memberConnectionHCL(name, roleARN(testMemberAccount, "costlink-resource-access"), regions)
}

// checkConnections asserts the organization holds exactly the named
// connections: nothing duplicated, nothing orphaned.
func checkConnections(t *testing.T, org *acctest.Org, names ...string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		conns := org.Connections(t)
		got := map[string]int{}
		for _, c := range conns {
			got[c.Name]++
		}
		if len(conns) != len(names) {
			return fmt.Errorf("the organization holds %d connections %v, want exactly %v", len(conns), got, names)
		}
		for _, n := range names {
			if got[n] != 1 {
				return fmt.Errorf("the organization holds %d connections named %s, want 1 (all: %v)", got[n], n, got)
			}
		}
		return nil
	}
}

// A create whose responses were all lost fails the apply, but the record the
// service made is the resource's: the next apply adopts it instead of
// failing on a conflict — changed to the plan when the configuration changed
// in between.
func TestAccAWSConnection_lostCreateResponse(t *testing.T) {
	const addr = "costlink_aws_connection.member"
	for _, next := range []struct{ name, region string }{
		{"prod-payments", "us-east-1"}, // the same configuration
		{"payments", "eu-west-1"},      // renamed, other regions
	} {
		t.Run(next.name, func(t *testing.T) {
			org := acctest.NewOrg(t)
			proxy := newLossyProxy(t, org.APIURL)
			providerConfig := throughProxy(org, proxy)

			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{
					{Config: providerConfig + billingConnectionHCL},
					{
						PreConfig:   func() { proxy.lose(http.MethodPost, -1) },
						Config:      providerConfig + billingConnectionHCL + memberHCL("prod-payments", `["us-east-1"]`),
						ExpectError: regexp.MustCompile(`Cannot create the connection`),
					},
					{
						PreConfig: func() {
							proxy.lose("", 0)
							if n := proxy.lostCount(); n < 2 {
								t.Fatalf("the proxy lost %d responses, want the POST's and its retry's", n)
							}
							org.ConnectionNamed(t, "prod-payments") // made, though Terraform never heard of it
						},
						Config: providerConfig + billingConnectionHCL + memberHCL(next.name, fmt.Sprintf("[%q]", next.region)),
						ConfigPlanChecks: resource.ConfigPlanChecks{
							PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, plancheck.ResourceActionCreate)},
						},
						Check: resource.ComposeAggregateTestCheckFunc(
							checkConnections(t, org, "payer", next.name),
							resource.TestCheckResourceAttr(addr, "regions.#", "1"),
							resource.TestCheckTypeSetElemAttr(addr, "regions.*", next.region),
						),
					},
				},
				CheckDestroy: org.CheckNoConnections,
			})
		})
	}
}

// A connection replaced within the service's 24 hours is created again, not
// answered with the deleted record its first create's key made.
func TestAccAWSConnection_replacedWithinADay(t *testing.T) {
	org := acctest.NewOrg(t)
	const addr = "costlink_aws_connection.member"
	config := billingConnectionConfig(org) + memberHCL("prod-payments", `[]`)
	firstID := ""

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config, Check: func(*terraform.State) error { firstID = org.ConnectionNamed(t, "prod-payments").ID; return nil }},
			{Config: config, Taint: []string{addr}, Check: func(*terraform.State) error {
				if id := org.ConnectionNamed(t, "prod-payments").ID; id == firstID {
					return fmt.Errorf("the replacement kept ID %s, want a new record", id)
				}
				return checkConnections(t, org, "payer", "prod-payments")(nil)
			}},
			{Config: config, Taint: []string{addr}, Check: checkConnections(t, org, "payer", "prod-payments")},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}

// An update whose response was lost is retried with the same If-Match, which
// the update itself made stale: the 412 is recognised as the update applied.
func TestAccAWSConnection_lostUpdateResponse(t *testing.T) {
	org := acctest.NewOrg(t)
	proxy := newLossyProxy(t, org.APIURL)
	const addr = "costlink_aws_connection.member"
	providerConfig := throughProxy(org, proxy)

	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: providerConfig + billingConnectionHCL + memberHCL("prod-payments", `["us-east-1"]`)},
			{
				PreConfig: func() { proxy.lose(http.MethodPatch, 1) },
				Config:    providerConfig + billingConnectionHCL + memberHCL("prod-payments", `["eu-west-1"]`),
				Check: resource.ComposeAggregateTestCheckFunc(
					func(*terraform.State) error {
						if n := proxy.lostCount(); n != 1 {
							return fmt.Errorf("the proxy lost %d PATCH responses, want 1", n)
						}
						return nil
					},
					resource.TestCheckTypeSetElemAttr(addr, "regions.*", "eu-west-1"),
					checkConnections(t, org, "payer", "prod-payments"),
				),
			},
		},
		CheckDestroy: org.CheckNoConnections,
	})
}
