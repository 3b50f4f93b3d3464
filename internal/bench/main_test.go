package bench

import (
	"os"
	"testing"

	"github.com/costlink/terraform-provider-costlink/internal/acctest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	acctest.Stop()
	os.Exit(code)
}
