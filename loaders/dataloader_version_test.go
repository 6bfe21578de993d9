package loaders_test

import (
	"fmt"
	"os"
	"regexp"
	"testing"
)

// dataloader v7.2.0 holds the fixes this package relies on: results no
// longer lost to a race in Load (graph-gophers/dataloader #113) and no
// allocation on a cache hit (#123). go.mod must not go below it.
func TestDataloaderIsAtLeastV720(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*(?:require\s+)?github\.com/graph-gophers/dataloader/v7 v(\d+)\.(\d+)\.(\d+)`).FindSubmatch(mod)
	if m == nil {
		t.Fatal("go.mod requires no github.com/graph-gophers/dataloader/v7")
	}
	var major, minor, patch int
	fmt.Sscan(string(m[1]), &major)
	fmt.Sscan(string(m[2]), &minor)
	fmt.Sscan(string(m[3]), &patch)
	if [3]int{major, minor, patch} != [3]int{7, minor, patch} || minor < 2 {
		t.Errorf("go.mod requires dataloader v%d.%d.%d: v7.2.0 or later is needed", major, minor, patch)
	}
	if regexp.MustCompile(`(?m)^\s*replace\s.*graph-gophers/dataloader`).Match(mod) {
		t.Error("go.mod replaces dataloader: check the replacement has the v7.2.0 fixes")
	}
}
