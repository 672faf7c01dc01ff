package runbook

import (
	"bytes"
	"fmt"
)

// genRunbook deterministically generates a realistic runbook of at least
// size bytes: headings, prose with [VERIFY] questions, fences of every kind,
// check tables, task lists and block quotes. Benchmarks of the parser and of
// write-back both use it.
func genRunbook(size int) []byte {
	var b bytes.Buffer
	b.Grow(size + 4096)
	b.WriteString("---\nvariables:\n  env:\n    prompt: Environment name\n    default: staging\n  account-id:\n    source: env:AWS_ACCOUNT_ID\nmysql:\n  dsn: app:{db-password}@tcp(<rds-endpoint>:3306)/app\n---\n\n")
	b.WriteString("# Generated deployment runbook\n\nThis runbook stands up a new environment from zero.\n\n")
	for i := 0; b.Len() < size; i++ {
		fmt.Fprintf(&b, "## %d. Stage %d of the rollout\n\n", i+1, i+1)
		fmt.Fprintf(&b, "The following must exist before stage %d can happen. Most of it is *one-time* setup per account, see `deployment.md` and [the wiki](https://wiki.example.com/stage-%d).\n", i+1, i+1)
		b.WriteString("It continues on a second line with **bold** text and a <span>tag</span>.\n\n")
		fmt.Fprintf(&b, "[VERIFY] Does stage %d need its own VPC? Recommended: one VPC per environment with private subnets in 2+ AZs.\n\n", i+1)
		fmt.Fprintf(&b, "### %d.1 Build\n\n", i+1)
		fmt.Fprintf(&b, "```bash {name=build-%d timeout=10m confirm}\n# Build and push image %d\naws ecr get-login-password --region us-west-2 \\\n  | docker login --username AWS --password-stdin <account-id>.dkr.ecr.us-west-2.amazonaws.com\nGIT_SHA=$(git rev-parse --short HEAD)\ndocker build -t someli-api:$GIT_SHA .\ndocker push <account-id>.dkr.ecr.us-west-2.amazonaws.com/someli-api:{env}-latest\n```\n\n", i, i)
		b.WriteString("```console\n$ kubectl get pods -n {env}\nNAME      READY   STATUS\napi-1     1/1     Running\n$ echo done\ndone\n```\n\n")
		fmt.Fprintf(&b, "```sql\n-- Create the schema %d\nCREATE DATABASE IF NOT EXISTS app_%d;\nGRANT SELECT ON app_%d.* TO 'app'@'%%';\n```\n\n", i, i, i)
		b.WriteString("```json\n{\n  \"family\": \"someli-api-{env}-api\",\n  \"cpu\": \"1024\"\n}\n```\n\n")
		b.WriteString("```python {run}\nprint('hello from python')\n```\n\n")
		fmt.Fprintf(&b, "### %d.2 Verify\n\n", i+1)
		b.WriteString("| Check | How |\n|---|---|\n")
		b.WriteString("| API is running | `aws ecs describe-services --cluster someli-{env} --services api` |\n")
		b.WriteString("| Health returns 200 | `curl -fsS https://{env}.api.example.com/health` |\n")
		fmt.Fprintf(&b, "| Schema present | [VERIFY] which table count is expected for stage %d? |\n\n", i+1)
		b.WriteString("- [ ] Tell the on-call channel\n- [x] Open the change ticket\n- Plain item with [VERIFY] who approves? Suggested: the team lead.\n\n")
		b.WriteString("> **Note:** [VERIFY] is the rollback window still 30 minutes?\n> It was last checked a year ago.\n\n")
		b.WriteString("    indented reference code\n    second line\n\n")
		b.WriteString("Use `[VERIFY]` in a code span and <!-- [VERIFY] in a comment -->: neither is a question.\n\n")
	}
	return b.Bytes()
}
