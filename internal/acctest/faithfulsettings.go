package acctest

import (
	"testing"
	"time"
)

// SetPropagationWindow sets how long a role of accountID created or
// changed through the AWS-faithful layer stays unassumable, in place of
// DefaultPropagationWindow.
func (m *MotoServer) SetPropagationWindow(accountID string, d time.Duration) {
	l := m.layer
	l.mu.Lock()
	defer l.mu.Unlock()
	l.windows[accountID] = d
}

// EnableRegion enables an opt-in region for accountID, as an account
// administrator does; requests of that account signed for an opt-in region
// not enabled are refused with InvalidClientTokenId.
func (m *MotoServer) EnableRegion(accountID, region string) {
	l := m.layer
	l.mu.Lock()
	defer l.mu.Unlock()
	l.regions.enabled[accountRegion(accountID, region)] = true
}

// DeactivateSTS deactivates STS in region for accountID: STS there refuses
// to issue credentials for the account with RegionDisabledException.
func (m *MotoServer) DeactivateSTS(accountID, region string) {
	l := m.layer
	l.mu.Lock()
	defer l.mu.Unlock()
	l.regions.stsDeactivated[accountRegion(accountID, region)] = true
}

// AwaitPropagation waits until the last change made through the layer to
// the role roleARN (its creation or its trust policy) has propagated, for
// tests that check what happens after propagation rather than during it.
func (m *MotoServer) AwaitPropagation(t *testing.T, roleARN string) {
	t.Helper()
	account, name, ok := parseRoleARN(roleARN)
	if !ok {
		t.Fatalf("AwaitPropagation: %q is not a role ARN", roleARN)
	}
	time.Sleep(time.Until(m.layer.propagatedAt(account, name)))
}
