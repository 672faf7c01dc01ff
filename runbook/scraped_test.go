package runbook

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// scrapedSteps lists a doc's steps as "kind first-last" (lines).
func scrapedStepList(d *Document) string {
	var b []string
	for _, st := range d.Steps {
		s := fmt.Sprintf("%s %d-%d", st.Kind, st.Line, st.EndLine)
		if !st.Inferred {
			s += " (fenced)"
		}
		b = append(b, s)
	}
	return strings.Join(b, ", ")
}

func TestScrapedRecovery(t *testing.T) {
	cases := []struct {
		name, src, want string
	}{
		{"a command after a sentence", "Deploy¶\nRun this:\nkubectl get pods -n prod\nThat is all.\n", "shell 3-3"},
		{"comments and continuations stay with their block", "Deploy¶\nBuild:\n# build it\ndocker build \\\n-t x:1 \\\n.\n# push it\ndocker push x:1\nDone.\nMore¶\nEnd¶\n", "shell 3-8"},
		{"an assignment from a command substitution starts a block", "Deploy¶\nSHA=$(git rev-parse HEAD)\necho $SHA\n", "shell 2-3"},
		{"a plain assignment joins the command after it", "Deploy¶\nREGION=us-west-2\naws s3 ls --region $REGION\n", "shell 2-3"},
		{"a plain assignment alone is a setting", "Deploy¶\nREGION=us-west-2\nNODE_ENV=production\n", ""},
		{"a heredoc runs to its end", "Deploy¶\ncat <<EOF > /tmp/x.json\n{\n  \"a\": 1\n}\nEOF\nThen go on.\n", "shell 2-6"},
		{"an if over several lines", "Deploy¶\nif ! kubectl get ns prod; then\n  kubectl create ns prod\nfi\n", "shell 2-4"},
		{"the rest of a wrapped sentence is prose", "Deploy¶\n- Run\nyarn install. - Then start it.\nThen run\nkubectl get pods\n", ""},
		{"list items glued into one line are prose", "Deploy¶\n- Start the API:\npm2 start server.js --name api. - Start the workers:\npm2 save && pm2 startup. - Configure nginx with the\n", ""},
		{"prose starting with a program's name", "Deploy¶\ndocker images are stored in ECR.\ngit is required — install it first\n", ""},
		{"settings and JSON are reference", "Deploy¶\nCluster: someli-api-{env}\nLaunch type: FARGATE\n{\n\"family\": \"x-{env}\",\n\"command\": [\"node\", \"job.js\"],\n// all the others\n}\n", ""},
		{"YAML is reference", "Deploy¶\napiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n", ""},
		{"SQL statements with comments", "DB¶\nCreate it:\nCREATE DATABASE app;\n-- the user\nCREATE USER 'app'@'%'\n  IDENTIFIED BY '<app-password>';\nFLUSH PRIVILEGES;\n", "sql 3-7"},
		{"lower-case SQL", "DB¶\nselect 1;\n", "sql 2-2"},
		{"lower-case SQL is one line", "DB¶\nDone.\nupdate the DNS records\nand restart nginx;\n", ""},
		{"a sentence starting with a SQL word is not SQL", "DB¶\nShow the logs; then stop.\nUse a wildcard cert.\nSELECT the region you want\n", ""},
		{"a comment between SQL and shell goes with the shell", "DB¶\nGRANT ALL ON app.* TO 'app'@'%';\n# from the bastion:\nmysql -h db -u app -p app < schema.sql\n", "sql 2-2, shell 3-4"},
		{"an SQL comment does not lead a shell block", "DB¶\n-- seed data\nmysql -h db app < seed.sql\n", "shell 3-3"},
		{"a blank line inside a block", "Deploy¶\naws s3 ls\n\naws s3 ls s3://b\n\nDone.\n", "shell 2-4"},
		{"headings and questions end a block", "Deploy¶\naws s3 ls\nNext¶\naws s3 ls s3://b\n[VERIFY] Which bucket?\naws s3 rb s3://b\n", "shell 2-2, shell 4-4, shell 6-6"},
		{"a relative script", "Deploy¶\n./scripts/deploy.sh staging\n", "shell 2-2"},
		{"task items stay manual steps", "Deploy¶\n- [ ] Tell the team\n\naws s3 ls\n", "manual 2-2 (fenced), shell 4-4"},
		{"a command in a task item's text stays its text", "Deploy¶\n- [ ] Do this:\naws s3 ls\naws s3 ls s3://b\n", "manual 2-4 (fenced)"},
		{"a check table broken across lines", "Verify¶\n| Check | How |\n|---|---|\n| Up | curl -fsS https://x/health |\n/ready returns 200 |\ncurl -fsS https://x/ready |\n| Logs | CloudWatch → group has lines |\n| DB | mysql -h <db> -e 'SELECT 1;' returns 1 |\n", "check 4-4, check 5-6, check 8-8"},
		{"a check table that kept its code spans", "Verify¶\n| Check | How |\n|---|---|\n| Up | `curl -fsS https://x/health` then look |\n", "check 4-4"},
		{"a table without a command column has no checks", "Costs¶\n| Item | Fix |\n|---|---|\n| DB | mysql -h db -e 'SELECT 1;' |\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.src)
			if !d.Scraped {
				t.Fatal("not scraped")
			}
			if got := scrapedStepList(d); got != tc.want {
				t.Errorf("steps = %q, want %q", got, tc.want)
			}
			for _, st := range d.Steps {
				if st.Kind == KindManual {
					continue
				}
				if raw := strings.ReplaceAll(string(d.Source[st.CodeSpan.Start:st.CodeSpan.End]), "\r\n", "\n"); raw != st.Code {
					t.Errorf("step %s: code %q differs from its span %q", st.ID, st.Code, raw)
				}
			}
		})
	}
}

func TestScrapedRecoveryDetails(t *testing.T) {
	d := mustParse(t, "Verify¶\n| Check | How |\n|---|---|\n| DB | mysql -h <db> -e 'SHOW TABLES;' returns ~140 |\n/health is up |\ncurl https://{env}.x/health |\n")
	if len(d.Steps) != 2 {
		t.Fatalf("steps: %s", scrapedStepList(d))
	}
	if st := d.Steps[0]; st.Code != "mysql -h <db> -e 'SHOW TABLES;'" || st.Title != "DB" || st.Kind != KindCheck {
		t.Errorf("first check = %+v", st)
	}
	if st := d.Steps[1]; st.Code != "curl https://{env}.x/health" || st.Title != "/health is up" || st.Line != 5 || st.EndLine != 6 {
		t.Errorf("second check = %+v", st)
	}

	if got := inferredTitle("#!/bin/bash\n\n# Rotate the keys\naws iam list-access-keys"); got != "Rotate the keys" {
		t.Errorf("title after a shebang = %q", got)
	}
	if got := inferredTitle("aws s3 ls \\\n  --recursive\n# then\nls"); got != "aws s3 ls …" {
		t.Errorf("title of a command = %q", got)
	}

	// CRLF: the code has LF line endings, the spans are the original bytes
	d = mustParse(t, "Deploy¶\r\nRun:\r\n# list\r\naws s3 ls \\\r\n  --recursive\r\nDone.\r\n")
	if len(d.Steps) != 1 || d.Steps[0].Code != "# list\naws s3 ls \\\n  --recursive" || d.Steps[0].Title != "list" {
		t.Fatalf("CRLF steps: %+v", d.Steps)
	}
	if sp := d.Steps[0].Span; string(d.Source[sp.Start:sp.End]) != "# list\r\naws s3 ls \\\r\n  --recursive" {
		t.Errorf("CRLF span %q", d.Source[sp.Start:sp.End])
	}

	// front matter: a declared ACCOUNT_ID is the <account-id> of an
	// inferred step, and a scraped doc with front matter is still scraped
	d = mustParse(t, "---\nvariables:\n  ACCOUNT_ID:\n    default: \"123456789012\"\n---\nPush¶\nThen:\ndocker push <account-id>.dkr.ecr.us-west-2.amazonaws.com/app:{env}\n")
	if !d.Scraped || len(d.Steps) != 1 {
		t.Fatalf("scraped %v steps %s", d.Scraped, scrapedStepList(d))
	}
	if p := d.Placeholder("account-id"); p == nil || p.Var == nil || p.Var.Name != "ACCOUNT_ID" || p.Default != "123456789012" {
		t.Errorf("account-id = %+v", p)
	}
	if d.Steps[0].Line != 8 || d.Steps[0].Placeholders[0] != "account-id" {
		t.Errorf("step = %+v", d.Steps[0])
	}

	// a doc with fences is not scraped: nothing is inferred from its lines
	d = mustParse(t, "Deploy¶\nkubectl get pods\n```bash\necho hi\n```\n")
	if d.Scraped || scrapedStepList(d) != "shell 3-5 (fenced)" {
		t.Errorf("fenced doc: scraped %v steps %s", d.Scraped, scrapedStepList(d))
	}
}

func TestSecretByName(t *testing.T) {
	for name, want := range map[string]bool{
		"strong-password": true, "db_password": true, "DB_PASSWORD": true, "dbPassword": true,
		"api-key": true, "secret-access-key": true, "github-token": true, "pwd": true, "passphrase": true,
		"client-secret": true, "credentials": true,
		"secrets-arn": false, "secret-name": false, "access-key-id": false, "password-file": false,
		"env": false, "account-id": false, "s3-key": false, "key-name": false, "passenger": false, "rds": false,
	} {
		if got := secretByName(name); got != want {
			t.Errorf("secretByName(%q) = %v, want %v", name, got, want)
		}
	}
	// declared variables keep it: a declaration cannot make a password
	// placeholder plain
	d := mustParse(t, "---\nvariables:\n  db-password:\n    prompt: Password\n---\n# X\n```sql\nSELECT '<db-password>', '<user>';\n```\n")
	if p := d.Placeholder("db-password"); p == nil || !p.Secret {
		t.Errorf("db-password = %+v", p)
	}
	if p := d.Placeholder("user"); p == nil || p.Secret {
		t.Errorf("user = %+v", p)
	}
}

func TestScrapedLint(t *testing.T) {
	d := mustParse(t, "DB¶\nCreate it:\nCREATE DATABASE app;\nVerify¶\n| Check | How |\n|---|---|\n/ready returns 200 |\ncurl -fsS https://x/ready |\n")
	got := Lint(d, LintOptions{MySQLDSN: true})
	var b strings.Builder
	for _, dg := range got {
		fmt.Fprintf(&b, "%d %s %s: %s\n", dg.Line, dg.Severity, dg.Code, dg.Message)
		if dg.Suggestion != "" {
			b.WriteString(dg.Suggestion + "\n")
		}
	}
	want := "1 warning scraped: document looks copied from a web page (no code fences, headings end in ¶): 2 steps inferred from unfenced lines (0 shell, 1 SQL, 1 check): review them before running; 0 questions\n" +
		"3 warning inferred-step: step db/i1: SQL step inferred from unfenced line 3: fence it:\n" +
		"```sql\nCREATE DATABASE app;\n```\n" +
		"7 warning inferred-step: step verify/i1: check inferred from the table row on lines 7–8: put its command in a code span:\n" +
		"| /ready returns 200 | `curl -fsS https://x/ready` |\n"
	if b.String() != want {
		t.Errorf("lint:\n%s\nwant:\n%s", b.String(), want)
	}
	// a fence inside the code gets a longer fence around it
	d = mustParse(t, "Docs¶\nRun:\necho '```' > fence.txt\n")
	n := 0
	for _, dg := range Lint(d, LintOptions{}) {
		if dg.Code == "inferred-step" {
			n++
			if dg.Suggestion != "````bash\necho '```' > fence.txt\n````" {
				t.Errorf("suggestion:\n%s", dg.Suggestion)
			}
		}
	}
	if n != 1 {
		t.Errorf("%d inferred-step diagnostics, want 1", n)
	}
}

// TestScrapedWorstCases: inputs that would make command recovery
// quadratic (endless continuations, constructs that never close, huge
// tables) parse in bounded time.
func TestScrapedWorstCases(t *testing.T) {
	cases := map[string]struct {
		src   string
		steps int
	}{
		"endless continuation":  {"T¶\n" + strings.Repeat("aws s3 ls \\\n", 30000), -1},
		"loops that never end":  {"T¶\n" + strings.Repeat("for x in a b c; do\n", 30000), 0},
		"heredocs never closed": {"T¶\n" + strings.Repeat("cat <<EOF\n", 30000), 0},
		"one long block":        {"T¶\n" + strings.Repeat("kubectl get pods\n", 30000), 1},
		"a long check table":    {"T¶\n| Check | How |\n|---|---|\n" + strings.Repeat("| up | curl -fsS https://x/health |\n", 20000), 20000},
		"broken rows":           {"T¶\n| Check | How |\n|---|---|\n" + strings.Repeat("x |\n", 30000), 0},
	}
	for name, tc := range cases {
		d, err := Parse("w.md", []byte(tc.src))
		if err != nil {
			t.Fatal(err)
		}
		if !d.Scraped || (tc.steps >= 0 && len(d.Steps) != tc.steps) {
			t.Errorf("%s: scraped %v, %d steps, want %d", name, d.Scraped, len(d.Steps), tc.steps)
		}
	}
}

// FuzzScraped: any text after a ¶ heading parses with every invariant, and
// every inferred step's code is its own source bytes, in order, without
// overlapping another step.
func FuzzScraped(f *testing.F) {
	f.Add([]byte("Run:\n# c\naws s3 ls \\\n| x\nGRANT ALL ON a.* TO 'b'@'%';\n| Check | How |\n|---|---|\n/h |\ncurl https://{env}/h |\n"))
	f.Add([]byte("cat <<EOF\n{\n}\nEOF\nif true; then\n  ls\nfi\n-- c\nSELECT 1;\n"))
	if b, err := os.ReadFile("testdata/seeds/first-deployment.txt"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		d, err := Parse("f.md", append([]byte("T¶\n"), body...))
		if err != nil {
			return
		}
		checkInvariants(t, d)
		prev := Span{-1, -1}
		for _, st := range d.Steps {
			if st.Span.Start < prev.End {
				t.Fatalf("step %s %v overlaps or precedes %v", st.ID, st.Span, prev)
			}
			prev = st.Span
			if !st.Inferred {
				continue
			}
			raw := strings.ReplaceAll(string(d.Source[st.CodeSpan.Start:st.CodeSpan.End]), "\r\n", "\n")
			if raw != st.Code || st.Code == "" {
				t.Fatalf("step %s: code %q, span holds %q", st.ID, st.Code, raw)
			}
		}
	})
}
