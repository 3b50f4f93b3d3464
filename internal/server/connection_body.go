package server

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/costlink/terraform-provider-costlink/internal/store"
	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// connectionJSON is a connection on the wire.
type connectionJSON struct {
	ID            string     `json:"id"`
	Name          string     `json:"name"`
	Type          string     `json:"type"`
	RoleARN       string     `json:"role_arn"`
	AccountID     string     `json:"account_id"`
	BillingBucket string     `json:"billing_bucket"`
	Regions       []string   `json:"regions"`
	CreatedAt     string     `json:"created_at"`
	UpdatedAt     string     `json:"updated_at"`
	Version       int64      `json:"version"`
	Health        healthJSON `json:"health"`
}

func toJSON(c store.Connection) connectionJSON {
	return connectionJSON{
		ID: c.ID, Name: c.Name, Type: c.Type, RoleARN: c.RoleARN, AccountID: c.AccountID,
		BillingBucket: c.BillingBucket, Regions: c.Regions, Version: c.Version,
		CreatedAt: c.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: c.UpdatedAt.UTC().Format(time.RFC3339),
		Health: toHealthJSON(c.Health),
	}
}

// renderConnection is the response body for one connection, byte for byte
// what an idempotent replay sends again.
func renderConnection(c store.Connection) []byte {
	b, err := json.Marshal(toJSON(c))
	if err != nil {
		panic(err) // strings and numbers always marshal
	}
	return append(b, '\n')
}

// createRequest is the body of POST /v1/aws/connections.
type createRequest struct {
	Name          string   `json:"name"`
	Type          string   `json:"type"`
	RoleARN       string   `json:"role_arn"`
	BillingBucket string   `json:"billing_bucket"`
	Regions       []string `json:"regions"`
}

// connection returns the validated connection the request asks for.
func (req createRequest) connection() (store.Connection, error) {
	c := store.Connection{
		Name:          req.Name,
		Type:          cmp.Or(req.Type, validate.TypeResource),
		RoleARN:       req.RoleARN,
		BillingBucket: req.BillingBucket,
		Regions:       req.Regions,
	}
	errs := checkConnection(&c)
	return c, errs.problem()
}

// patchRequest is the body of PATCH /v1/aws/connections/{id}: absent fields stay as they are.
type patchRequest struct {
	Name          *string   `json:"name"`
	Type          *string   `json:"type"`
	RoleARN       *string   `json:"role_arn"`
	BillingBucket *string   `json:"billing_bucket"`
	Regions       *[]string `json:"regions"`
}

// apply edits c as the request asks and validates the result.
func (req patchRequest) apply(c *store.Connection) error {
	var errs fieldErrors
	if req.Type != nil && *req.Type != c.Type {
		errs.add("type", errors.New("type cannot change; create a new connection"))
	}
	setIf(&c.Name, req.Name)
	setIf(&c.RoleARN, req.RoleARN)
	setIf(&c.BillingBucket, req.BillingBucket)
	setIf(&c.Regions, req.Regions)
	return append(errs, checkConnection(c)...).problem()
}

func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// checkConnection applies the shared validation rules to c's user-set
// fields, derives its account ID from the role ARN and sorts and
// deduplicates its regions.
func checkConnection(c *store.Connection) fieldErrors {
	var errs fieldErrors
	errs.add("name", validate.ConnectionName(c.Name))
	typeErr := validate.ConnectionType(c.Type)
	errs.add("type", typeErr)
	if arn, err := validate.ParseRoleARN(c.RoleARN); err != nil {
		errs.add("role_arn", err)
	} else {
		c.AccountID = arn.AccountID
	}
	if typeErr == nil {
		errs.add("billing_bucket", validate.BillingBucket(c.Type, c.BillingBucket))
	}
	if maxRegions := validate.KnownRegionCount(); len(c.Regions) > maxRegions {
		// Each region costs AWS calls in every check: a list longer than
		// the regions AWS has can only be a mistake or an attack.
		errs.add("regions", fmt.Errorf("lists %d regions; a connection covers at most the %d regions AWS knows", len(c.Regions), maxRegions))
	} else {
		for i, region := range c.Regions {
			errs.add(fmt.Sprintf("regions[%d]", i), validate.Region(region))
		}
	}
	c.Regions = slices.Compact(slices.Sorted(slices.Values(c.Regions)))
	if c.Regions == nil {
		c.Regions = []string{}
	}
	return errs
}
