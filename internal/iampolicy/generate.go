// Package iampolicy is the one source of the IAM permissions the platform
// needs in a connected account. The connection service serves the generated
// policy and its health check verifies it; the Terraform provider attaches it
// and compares policy JSON semantically so plans never churn.
//
// Every allowed action is List or Read metadata and Deny statements take
// back what the attached managed policy allows that returns customer data
// (tests prove both; actions.go states the rule), the documents fit IAM's
// inline role-policy limit, and a content hash versions them.
package iampolicy

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/costlink/terraform-provider-costlink/internal/validate"
)

// RoleInlinePolicyLimit is IAM's limit on a role's inline policies, counted
// in characters other than whitespace. IAM applies it to the sum of all of a
// role's inline policies, so Generate keeps every document, and all of them
// together, within it.
const RoleInlinePolicyLimit = 10240

// DefaultPartition is the AWS partition used when Input.Partition is empty.
const DefaultPartition = "aws"

// Input selects a generated policy.
type Input struct {
	// Type is validate.TypeResource or validate.TypeBilling.
	Type string
	// BillingBucket is the S3 bucket receiving the billing export: required
	// for billing connections, refused for resource connections.
	BillingBucket string
	// Partition is the AWS partition of the connected account; empty means
	// DefaultPartition.
	Partition string
}

// Document is one inline policy to put on the role.
type Document struct {
	// Name is the inline policy name: costlink-<type>-<n>, n from 1.
	Name string
	// JSON is the policy document, compact and in canonical key order.
	JSON string
}

// Policy is everything a connected role needs for one connection type.
type Policy struct {
	// Documents are the inline policies, in name order.
	Documents []Document
	// ManagedPolicyARNs are AWS managed policies to attach beside them.
	ManagedPolicyARNs []string
	// Actions are the actions Documents allow, sorted, so a health check
	// can name what a role lacks (see MissingActions). Denied actions are
	// not among them.
	Actions []string
	// Version is a content hash of Documents, ManagedPolicyARNs and the
	// connection type: it changes exactly when the permissions do.
	Version string
}

// Generate returns the read-only policy for a connection type. The same
// input always yields the same policy.
func Generate(in Input) (Policy, error) {
	partition := cmp.Or(in.Partition, DefaultPartition)
	if err := validate.Partition(partition); err != nil {
		return Policy{}, err
	}
	if err := validate.ConnectionType(in.Type); err != nil {
		return Policy{}, err
	}
	if err := validate.BillingBucket(in.Type, in.BillingBucket); err != nil {
		return Policy{}, err
	}

	grants := resourceGrants
	if in.Type == validate.TypeBilling {
		grants = slices.Concat(resourceGrants, billingGrants)
	}
	expand := strings.NewReplacer(partitionVar, partition, bucketVar, in.BillingBucket).Replace
	var stmts []statement
	var actions []string
	for _, g := range grants {
		stmts = append(stmts, g.statement(expand))
		actions = append(actions, g.actions...)
	}
	for _, d := range denials {
		stmts = append(stmts, d.statement(in.Type, expand))
	}

	groups, err := split(stmts, RoleInlinePolicyLimit)
	if err != nil {
		return Policy{}, err
	}
	var p Policy
	total := 0
	for i, group := range groups {
		doc, err := render(policyDoc{Version: policyVersion, Statement: group})
		if err != nil {
			return Policy{}, err
		}
		total += iamLength(doc)
		p.Documents = append(p.Documents, Document{Name: fmt.Sprintf("%s%d", DocumentNamePrefix(in.Type), i+1), JSON: doc})
	}
	if total > RoleInlinePolicyLimit {
		return Policy{}, fmt.Errorf("the generated %s policy is %d characters: a role's inline policies may total at most %d", in.Type, total, RoleInlinePolicyLimit)
	}
	for _, arn := range managedPolicies {
		p.ManagedPolicyARNs = append(p.ManagedPolicyARNs, expand(arn))
	}
	p.Actions = sortActions(actions)
	p.Version = version(in.Type, p)
	return p, nil
}

// statement renders g as an Allow statement with ARN templates expanded.
func (g grant) statement(expand func(string) string) statement {
	resources := values{"*"}
	if g.resources != nil {
		resources = expandAll(g.resources, expand)
	}
	return statement{
		Sid:      g.sid,
		Effect:   "Allow",
		Action:   sortActions(g.actions),
		Resource: resources,
	}
}

// statement renders d as a Deny statement for a connection type: on every
// resource, or on every resource but the billing export (NotResource), as
// "IAM JSON policy elements: NotResource" describes
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html).
func (d denial) statement(connectionType string, expand func(string) string) statement {
	st := statement{Sid: d.sid, Effect: "Deny", Action: sortActions(d.actions)}
	if d.exceptBillingExport && connectionType == validate.TypeBilling {
		st.NotResource = expandAll(billingExportResources, expand)
	} else {
		st.Resource = values{"*"}
	}
	return st
}

// expandAll expands ARN templates into sorted resource values.
func expandAll(templates []string, expand func(string) string) values {
	out := make(values, len(templates))
	for i, t := range templates {
		out[i] = expand(t)
	}
	return canonicalValues(out, nil)
}

// sortActions sorts actions case-insensitively, as IAM compares them, and
// drops repeats.
func sortActions(actions []string) []string {
	out := slices.Clone(actions)
	byFold := func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }
	slices.SortFunc(out, byFold)
	return slices.CompactFunc(out, func(a, b string) bool { return byFold(a, b) == 0 })
}

// version hashes what a role must hold for a connection type. Each value
// is on its own line (compact JSON has no raw newlines), counts first.
func version(connectionType string, p Policy) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%d\n", connectionType, len(p.Documents))
	for _, d := range p.Documents {
		fmt.Fprintf(h, "%s\n%s\n", d.Name, d.JSON)
	}
	fmt.Fprintf(h, "%d\n", len(p.ManagedPolicyARNs))
	for _, arn := range p.ManagedPolicyARNs {
		fmt.Fprintf(h, "%s\n", arn)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// DocumentNamePrefix starts the name of every inline policy generated for a
// connection type, so a role's policies tell which type they were made for.
func DocumentNamePrefix(connectionType string) string {
	return "costlink-" + connectionType + "-"
}
