package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/runbook-sh/runbook/runbook/journal"
)

// JUnit XML in the common Jenkins/Surefire dialect that CI dashboards
// (GitLab, Jenkins, GitHub test reporters) accept: one testsuite for the
// run, one testcase per step.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	// CDATA keeps the output readable in the file; xmlText has removed
	// what XML cannot hold.
	Text string `xml:",cdata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit writes the run as JUnit XML: failed and timed-out steps are
// failures (with the end of their output), interrupted ones errors, and
// skipped, manual, pending and stale steps are skipped with a reason.
func JUnit(w io.Writer, in Input) error {
	v, err := buildView(in)
	if err != nil {
		return err
	}
	suite := junitSuite{Name: v.Title, Hostname: v.Host}
	if v.Run != "" {
		suite.Name = v.Title + " (run " + v.Run + ")"
	}
	if !v.Started.IsZero() {
		suite.Timestamp = v.Started.UTC().Format("2006-01-02T15:04:05")
	}
	prop := func(k, val string) {
		if val != "" {
			suite.Properties = append(suite.Properties, junitProperty{k, val})
		}
	}
	prop("run", v.Run)
	prop("run.status", v.runStatusText())
	prop("who", v.Who)
	prop("host", v.Host)
	prop("document", v.DocFile)
	prop("document.hash", v.DocHash)
	prop("started", formatTime(v.Started))
	prop("finished", formatTime(v.FinishedAt))
	for _, kv := range sessionProps(v) {
		prop(kv[0], kv[1])
	}
	if v.Identity != nil {
		prop("aws.account", v.Identity.Account)
		prop("aws.arn", v.Identity.ARN)
		prop("aws.region", v.Identity.Region)
	}
	var total time.Duration
	for _, s := range append(append([]*stepView(nil), v.Steps...), v.Orphans...) {
		c := junitCase{Classname: classname(v, s), Name: s.ID, Time: seconds(s.total())}
		if s.Title != "" && s.Title != s.ID {
			c.Name = s.ID + ": " + oneLine(s.Title)
		}
		if s.Step != nil {
			c.File, c.Line = v.DocFile, s.Line
		}
		total += s.total()
		a := s.last()

		switch s.Status {
		case journal.OK, journal.AlreadyDone:
			if s.Status == journal.AlreadyDone {
				c.SystemOut = "already done (its done-if check passed)"
			}
		case journal.Failed, journal.TimedOut:
			c.Failure = &junitProblem{Message: problemMessage(s), Type: string(s.Status), Text: xmlText(problemText(s, a))}
			suite.Failures++
		case journal.Interrupted:
			c.Error = &junitProblem{Message: problemMessage(s), Type: string(s.Status), Text: xmlText(problemText(s, a))}
			suite.Errors++
		default:
			msg := statusText(s.Status)
			switch {
			case s.Status == journal.Stale:
				msg = "stale: the step changed since it ran"
				if s.Was != "" {
					msg += " (was " + statusText(s.Was) + ")"
				}
			case s.Status == journal.Pending && s.Step != nil && s.Kind == "check":
				msg = "pending: optional check, not run"
			case s.Note != "":
				msg += ": " + oneLine(s.Note)
			}
			c.Skipped = &junitSkipped{Message: msg}
			suite.Skipped++
		}
		c.SystemOut = junitSession(c.SystemOut, s)
		suite.Cases = append(suite.Cases, c)
	}
	suite.Tests = len(suite.Cases)
	suite.Time = seconds(total)
	root := junitSuites{Name: suite.Name, Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Skipped: suite.Skipped, Time: suite.Time, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(root); err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	_, err = io.WriteString(w, "\n")
	return err
}

// junitSession adds a step's changes to the shell session and its
// confirmed outputs to its system-out.
func junitSession(out string, s *stepView) string {
	var lines []string
	if len(s.Changes) > 0 {
		lines = append(lines, "shell session: "+changesText(s.Changes))
	}
	if len(s.Outputs) > 0 {
		lines = append(lines, "outputs: "+outputsText(s.Outputs))
	}
	if len(lines) == 0 {
		return out
	}
	return xmlText(strings.TrimPrefix(out+"\n"+strings.Join(lines, "\n"), "\n"))
}

// sessionProps are the shell session as the run left it and the outputs,
// as suite properties.
func sessionProps(v *view) [][2]string {
	var out [][2]string
	for _, c := range v.Session {
		out = append(out, [2]string{"session." + c.Name, c.Value})
	}
	for _, o := range v.Outputs {
		out = append(out, [2]string{"output." + o.Name, o.Value})
	}
	return out
}

// classname is the step's section path, dotted the way dashboards build a
// tree from it; steps before the first heading belong to the document.
func classname(v *view, s *stepView) string {
	if s.Step == nil {
		return "(not in the document)"
	}
	if sec := v.section(s.Section); sec != nil {
		return strings.Join(sec.Path, " › ")
	}
	return v.Title
}

func problemMessage(s *stepView) string {
	a := s.last()
	switch {
	case s.Status == journal.TimedOut:
		if a != nil && a.Error != "" {
			return "timed out: " + oneLine(a.Error)
		}
		return "timed out"
	case a != nil && a.ExitCode != nil && a.Error != "":
		return fmt.Sprintf("exit code %d: %s", *a.ExitCode, oneLine(a.Error))
	case a != nil && a.ExitCode != nil:
		return fmt.Sprintf("exit code %d", *a.ExitCode)
	case a != nil && a.Error != "":
		return oneLine(a.Error)
	}
	return statusText(s.Status)
}

func problemText(s *stepView, a *attemptView) string {
	var b strings.Builder
	if s.Note != "" {
		b.WriteString("note: " + s.Note + "\n")
	}
	if a == nil {
		return b.String()
	}
	if a.Command != "" {
		b.WriteString("$ " + strings.ReplaceAll(a.Command, "\n", "\n$ ") + "\n")
	}
	if a.Excerpt != nil {
		if a.Excerpt.Err != "" {
			b.WriteString(a.Excerpt.Err + ": " + a.Excerpt.Path + "\n")
		} else {
			b.WriteString(a.Excerpt.TailText())
		}
	}
	return b.String()
}

// xmlText drops the characters XML 1.0 cannot contain at all (CDATA
// included): control characters other than tab, newline and return.
func xmlText(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' || r >= 0x20 && r != 0xfffe && r != 0xffff {
			return r
		}
		return -1
	}, s)
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
