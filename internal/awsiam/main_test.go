package awsiam

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	acctest.Stop()
	os.Exit(code)
}

// profileConfig is a provider configuration reaching endpoint with moto's
// base account credentials, through a profile of its own so that the
// developer's AWS settings play no part.
func profileConfig(t *testing.T, endpoint string) Config {
	t.Helper()
	dir := t.TempDir()
	credentials := filepath.Join(dir, "credentials")
	profile := "[moto]\naws_access_key_id = " + acctest.MotoAccessKey + "\naws_secret_access_key = " + acctest.MotoAccessKey + "\n"
	if err := os.WriteFile(credentials, []byte(profile), 0o600); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config")
	if err := os.WriteFile(config, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return Config{
		Profile:                "moto",
		SharedConfigFiles:      []string{config},
		SharedCredentialsFiles: []string{credentials},
		IAMEndpoint:            endpoint,
		STSEndpoint:            endpoint,
		UserAgent:              "terraform-provider-costlink/test",
	}
}

// memberAccount is a new moto member account reached as the provider
// reaches one: by assuming its OrganizationAccountAccessRole.
func memberAccount(t *testing.T) (*Account, string) {
	t.Helper()
	m := acctest.Moto(t)
	clients, err := NewClients(context.Background(), profileConfig(t, m.Endpoint))
	if err != nil {
		t.Fatalf("NewClients: %v", err)
	}
	id := m.NewMemberAccount(t)
	acct, err := clients.Account(context.Background(), &AssumeRole{RoleARN: m.MemberAccountRoleARN(id)})
	if err != nil {
		t.Fatalf("reaching member account %s: %v", id, err)
	}
	return acct, id
}

// trustPolicy trusts the platform's account with an external ID, as the
// generated trust policy does.
func trustPolicy(externalID string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},` +
		`"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"` + externalID + `"}}}]}`
}

const readPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudwatch:GetMetricData","cloudwatch:ListMetrics"],"Resource":"*"}]}`

// assertSameJSON fails unless two documents hold the same JSON value.
func assertSameJSON(t *testing.T, what, got, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("expected %s is not JSON: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, got, want)
	}
}
