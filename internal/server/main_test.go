package server

import (
	"os"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/pgtest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	pgtest.Stop()
	os.Exit(code)
}
