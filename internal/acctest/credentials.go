package acctest

import "testing"

// CredentialsFile is the shared credentials file of moto's base account, for
// tests that configure the provider without HCL.
func (m *MotoServer) CredentialsFile(t *testing.T) string {
	t.Helper()
	path, err := m.credentialsFile()
	if err != nil {
		t.Fatalf("writing the AWS credentials file: %v", err)
	}
	return path
}
