package runbook

import (
	"os/exec"
	"strings"
)

func execGoList() (string, error) {
	out, err := exec.Command("go", "list", "-mod=mod", "-m", "-f", "{{.Dir}}", "github.com/yuin/goldmark").Output()
	return strings.TrimSpace(string(out)), err
}
