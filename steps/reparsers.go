package steps

import (
	"path"
	"strings"
)

// progSpec is what one program does with its arguments and its standard
// input, as far as placeholder substitution cares: which of them it reads
// as code (a shell, an interpreter, a SQL client, a remote shell), and
// which other command it runs (sudo, env, timeout, kubectl exec). The
// substitution analysis (subst_call.go) reads these; the next re-parser
// found is one entry here.
//
// Option lists name options without their dashes' meaning lost: codeOpts
// "ce" means -c and -e, and a one-letter option also counts inside a
// cluster (-Ne, -BNe, -wle, -Atc) and with its value attached (-e'…').
// Long options are written with their dashes ("--eval"); "--arg:2" takes
// two values.
type progSpec struct {
	allCode   bool     // every argument is read as code (eval, ssh, watch)
	codeOpts  string   // short options whose value is code
	codeLong  []string // long options whose value is code
	firstCode bool     // the first operand is code (awk's program, sed's script, jq's filter)
	valOpts   string   // short options that take a value
	valLong   []string // long options that take a value
	flags     string   // short options without a value
	flagLong  []string // long options without a value
	// strict: an option in none of the lists makes the rest of the
	// command unknown, since its value could be taken for the command
	// (wrappers, programs with subcommands).
	strict    bool
	wrap      bool   // runs a command: after its options and skip operands comes that command
	skip      int    // operands before the command (timeout DURATION, flock FILE)
	dashWrap  bool   // the command comes after `--` (kubectl exec); without one, operands after the first are unknown
	dashCode  bool   // everything after `--` is code (gcloud compute ssh … -- CMD)
	assigns   bool   // NAME=VALUE operands before the command set its environment (env)
	shellOpts string // options that make a shell run the command line (sudo -s, -i): the rest is code
	stdin     bool   // reads code on its standard input
	files     bool   // reads its file operands as code (a script path)
	optsFirst bool   // options end at the first operand (printf, echo)
	findExec  bool   // find: -exec CMD … ; runs CMD
	// sub are subcommands that need more care; a subcommand not listed
	// passes its arguments as data.
	sub map[string]*progSpec
}

var (
	shellSpec  = &progSpec{codeOpts: "c", valOpts: "oO", valLong: []string{"--rcfile", "--init-file"}, stdin: true, files: true}
	everything = &progSpec{allCode: true, stdin: true, files: true}
	// names are builtins whose arguments are variable names (bash
	// evaluates a name's subscript: read 'a[$(id)]' runs id).
	names      = &progSpec{allCode: true}
	kubeExec   = &progSpec{dashWrap: true, valOpts: "cnf", valLong: []string{"--container", "--namespace", "--filename", "--image", "--target", "--profile", "--pod-running-timeout"}}
	dockerExec = &progSpec{wrap: true, skip: 1, strict: true, valOpts: "euw",
		valLong: []string{"--env", "--env-file", "--user", "--workdir", "--detach-keys"}, flags: "dit",
		flagLong: []string{"--detach", "--interactive", "--tty", "--privileged"}}
	dockerRun = &progSpec{wrap: true, skip: 1, strict: true, valOpts: "ehlmpuvwc",
		codeLong: []string{"--entrypoint", "--health-cmd"},
		valLong: []string{"--name", "--network", "--net", "--env", "--env-file", "--volume", "--mount", "--publish",
			"--user", "--workdir", "--label", "--hostname", "--memory", "--cpus", "--platform", "--restart", "--pull",
			"--add-host", "--device", "--cap-add", "--cap-drop", "--security-opt", "--ulimit", "--log-driver",
			"--log-opt", "--dns", "--ipc", "--pid", "--gpus", "--shm-size", "--tmpfs", "--cpu-shares", "--expose",
			"--network-alias", "--stop-signal", "--stop-timeout", "--runtime", "--userns", "--uts", "--cgroupns"},
		flags: "dit", flagLong: []string{"--rm", "--detach", "--interactive", "--tty", "--privileged", "--init", "--read-only", "--no-healthcheck", "-P", "--publish-all"}}
	compose = &progSpec{strict: true, valOpts: "fp", valLong: []string{"--file", "--project-name", "--profile", "--env-file", "--project-directory"},
		sub: map[string]*progSpec{"exec": composeExec, "run": composeExec}}
	composeExec = &progSpec{wrap: true, skip: 1, strict: true, valOpts: "euwp",
		valLong: []string{"--env", "--user", "--workdir", "--index", "--name", "--entrypoint", "--publish", "--volume", "--label"},
		flags:   "dT", flagLong: []string{"--detach", "--no-TTY", "--privileged", "--rm", "--no-deps", "--service-ports", "--interactive", "--tty"}}
	docker = &progSpec{strict: true, valOpts: "cHl", valLong: []string{"--context", "--host", "--config", "--log-level", "--tlscacert", "--tlscert", "--tlskey"},
		flagLong: []string{"--tls", "--tlsverify", "--debug"}, flags: "D",
		sub: map[string]*progSpec{"exec": dockerExec, "run": dockerRun, "create": dockerRun, "compose": compose,
			"container": {strict: true, sub: map[string]*progSpec{"exec": dockerExec, "run": dockerRun, "create": dockerRun}}}}
	kubectl = &progSpec{strict: true, valOpts: "nsv",
		valLong: []string{"--namespace", "--context", "--cluster", "--kubeconfig", "--user", "--server", "--token", "--as",
			"--as-group", "--request-timeout", "--certificate-authority", "--client-key", "--client-certificate",
			"--tls-server-name", "--cache-dir", "--v"},
		flagLong: []string{"--insecure-skip-tls-verify", "--match-server-version", "--warnings-as-errors"},
		sub:      map[string]*progSpec{"exec": kubeExec, "debug": kubeExec, "run": kubeExec, "rsh": everything}}
	git = &progSpec{strict: true, codeOpts: "c", codeLong: []string{"--config-env", "--exec-path"}, valOpts: "C",
		valLong:  []string{"--git-dir", "--work-tree", "--namespace", "--super-prefix", "--list-cmds"},
		flags:    "pPv",
		flagLong: []string{"--paginate", "--no-pager", "--bare", "--no-replace-objects", "--literal-pathspecs", "--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs", "--no-optional-locks", "--version", "--help"},
		sub: map[string]*progSpec{
			"config": everything, "submodule": everything, "filter-branch": everything, "bisect": everything,
			"rebase": {codeOpts: "x", codeLong: []string{"--exec"}}, "difftool": {codeOpts: "x", codeLong: []string{"--extcmd"}},
			"grep":       {codeOpts: "O", codeLong: []string{"--open-files-in-pager"}},
			"send-email": {codeLong: []string{"--to-cmd", "--cc-cmd", "--sendmail-cmd"}},
			"clone":      gitRemote, "fetch": gitRemote, "pull": gitRemote, "push": gitRemote, "ls-remote": gitRemote, "archive": gitRemote,
		}}
	awk       = &progSpec{firstCode: true, codeOpts: "feilE", codeLong: []string{"--file", "--source", "--include", "--load", "--exec"}, valOpts: "vF", files: true}
	sed       = &progSpec{firstCode: true, codeOpts: "ef", codeLong: []string{"--expression", "--file"}, valOpts: "l"}
	gitRemote = &progSpec{codeOpts: "u", codeLong: []string{"--upload-pack", "--receive-pack", "--exec", "--config"}}
)

// interpSpec is a script interpreter: code after codeOpts, in a script
// file or on standard input.
func interpSpec(codeOpts string, codeLong ...string) *progSpec {
	return &progSpec{codeOpts: codeOpts, codeLong: codeLong, stdin: true, files: true}
}

// sqlClient is a database client: statements after codeOpts or on
// standard input.
func sqlClient(codeOpts string, codeLong ...string) *progSpec {
	return &progSpec{codeOpts: codeOpts, codeLong: codeLong, stdin: true}
}

// programs is the table of programs that read some of their input as
// code or run another command. A program not listed passes its
// arguments and its standard input on as data (docs/substitution.md,
// "Known limits").
var programs = map[string]*progSpec{
	// shells
	"sh": shellSpec, "bash": shellSpec, "dash": shellSpec, "ash": shellSpec, "zsh": shellSpec, "ksh": shellSpec,
	"mksh": shellSpec, "yash": shellSpec, "posh": shellSpec, "rbash": shellSpec, "fish": shellSpec,
	"csh": shellSpec, "tcsh": shellSpec,
	// interpreters
	"python": interpSpec("cmWX"), "pypy": interpSpec("cmWX"), "ipython": interpSpec("cm"),
	"perl": everything, "ruby": interpSpec("erI"), "node": interpSpec("epr", "--eval", "--print", "--require", "--import", "--loader", "--experimental-loader"),
	"nodejs": interpSpec("epr", "--eval", "--print", "--require", "--import"), "bun": interpSpec("epr", "--eval", "--print"),
	"deno": everything, "php": interpSpec("rBREFd"), "lua": interpSpec("el"), "luajit": interpSpec("el"),
	"tclsh": everything, "wish": everything, "expect": everything, "rscript": interpSpec("e"), "r": interpSpec("e"),
	"julia": interpSpec("eE", "--eval", "--print"), "osascript": interpSpec("e"), "pwsh": everything, "powershell": everything,
	"groovy": interpSpec("e"), "scala": interpSpec("e"), "jshell": everything, "gdb": everything, "lldb": everything,
	"vim": everything, "vi": everything, "nvim": everything, "ex": everything, "ed": everything, "emacs": everything,
	"dc": everything, "less": everything, "more": everything, "most": everything,
	"awk": awk, "gawk": awk, "mawk": awk, "nawk": awk, "original-awk": awk, "goawk": awk,
	"sed": sed, "gsed": sed, "ssed": sed,
	"jq":   {firstCode: true, codeOpts: "fL", codeLong: []string{"--from-file"}, valLong: []string{"--arg:2", "--argjson:2", "--slurpfile:2", "--rawfile:2", "--indent", "--tab"}},
	"yq":   everything,
	"make": everything, "gmake": everything, "ansible": {codeOpts: "aem", codeLong: []string{"--args", "--extra-vars", "--module-name"}},
	"ansible-playbook": {codeOpts: "e", codeLong: []string{"--extra-vars"}}, "salt": everything,
	"crontab": {stdin: true, files: true}, "at": {stdin: true, codeOpts: "f"}, "batch": {stdin: true, codeOpts: "f"},
	"mail": {stdin: true}, "mailx": {stdin: true}, "ftp": {stdin: true}, "sftp": {stdin: true, codeOpts: "SDb"},
	// database clients
	"mysql": sqlClient("e", "--execute", "--init-command", "--init-command-add", "--pager"), "mariadb": sqlClient("e", "--execute", "--init-command", "--init-command-add", "--pager"),
	"psql": sqlClient("cfv", "--command", "--file", "--set", "--variable"), "sqlite3": everything, "duckdb": everything,
	"mongo": sqlClient("", "--eval"), "mongosh": sqlClient("", "--eval"), "redis-cli": everything, "valkey-cli": everything,
	"clickhouse-client": sqlClient("q", "--query"), "clickhouse": everything, "cqlsh": sqlClient("ef", "--execute", "--file"),
	"sqlcmd": everything, "influx": everything, "cockroach": everything, "usql": everything,
	// remote shells and remote execution
	"ssh": everything, "mosh": everything, "scp": everything, "rsync": everything, "rsh": everything,
	"gcloud":  {codeLong: []string{"--command", "--metadata", "--metadata-from-file"}, dashCode: true},
	"az":      {codeLong: []string{"--scripts", "--command", "--custom-data"}},
	"aws":     {codeLong: []string{"--parameters", "--command", "--user-data", "--cli-input-json"}},
	"vagrant": {codeOpts: "c", codeLong: []string{"--command"}}, "kubectl": kubectl, "oc": kubectl,
	"docker": docker, "podman": docker, "nerdctl": docker, "docker-compose": compose, "podman-compose": compose,
	"crictl": {strict: true, sub: map[string]*progSpec{"exec": dockerExec}},
	"lxc":    {strict: true, sub: map[string]*progSpec{"exec": kubeExec}}, "incus": {strict: true, sub: map[string]*progSpec{"exec": kubeExec}},
	"ip":  {strict: true, valOpts: "n", flags: "46sdj", sub: map[string]*progSpec{"netns": {strict: true, sub: map[string]*progSpec{"exec": {wrap: true, skip: 1, strict: true}}}}},
	"git": git, "helm": {codeLong: []string{"--post-renderer"}}, "nix-shell": {codeLong: []string{"--run", "--command"}},
	"curl": {codeOpts: "K", codeLong: []string{"--config"}}, "wget": {codeOpts: "e", codeLong: []string{"--execute"}},
	"tar": {codeOpts: "IF", codeLong: []string{"--to-command", "--checkpoint-action", "--use-compress-program", "--rsh-command", "--info-script", "--new-volume-script"}},
	"zip": {codeLong: []string{"--unzip-command"}}, "man": {codeOpts: "PH", codeLong: []string{"--pager", "--html"}},
	"nmap": {codeLong: []string{"--script", "--script-args"}},
	// shell builtins that evaluate their arguments, or take variable names
	"eval": everything, "source": everything, ".": everything, "trap": everything, "alias": everything,
	"bind": everything, "complete": everything, "compgen": everything, "fc": everything, "let": everything,
	"enable": everything, "hash": everything, "history": everything, "read": names, "unset": names,
	"mapfile": names, "readarray": names, "getopts": names, "declare": names, "typeset": names,
	"local": names, "export": names, "readonly": names, "wait": names,
	"test": {codeOpts: "vR"}, "[": {codeOpts: "vR"}, "printf": {codeOpts: "v", optsFirst: true}, "echo": {optsFirst: true},
	// programs that run a command line through a shell
	"watch": everything, "parallel": everything, "tmux": everything, "screen": everything, "script": everything,
	"su": everything, "runuser": everything, "sg": everything, "newgrp": everything, "capsh": everything,
	"entr": everything, "xterm": everything, "flatpak-spawn": everything,
	// wrappers: run the command that follows
	"sudo": {wrap: true, strict: true, valOpts: "ughpCDrtTUR", flags: "AbEeHKklnPSV", shellOpts: "si",
		valLong:  []string{"--user", "--group", "--prompt", "--close-from", "--chdir", "--host", "--role", "--type", "--command-timeout", "--other-user", "--chroot"},
		flagLong: []string{"--askpass", "--background", "--preserve-env", "--set-home", "--non-interactive", "--stdin", "--reset-timestamp", "--remove-timestamp", "--shell", "--login"}},
	"doas":    {wrap: true, strict: true, valOpts: "uC", flags: "n", shellOpts: "s"},
	"pkexec":  {wrap: true, strict: true, valLong: []string{"--user"}, flagLong: []string{"--keep-cwd", "--disable-internal-agent"}},
	"env":     {wrap: true, strict: true, assigns: true, codeOpts: "S", codeLong: []string{"--split-string"}, valOpts: "uCP", valLong: []string{"--unset", "--chdir", "--default-signal", "--ignore-signal", "--block-signal"}, flags: "i0v", flagLong: []string{"--ignore-environment", "--null", "--debug", "-"}},
	"nice":    {wrap: true, strict: true, valOpts: "n", valLong: []string{"--adjustment"}},
	"nohup":   {wrap: true, strict: true},
	"time":    {wrap: true, strict: true, valOpts: "fo", valLong: []string{"--format", "--output"}, flags: "pqav", flagLong: []string{"--portability", "--append", "--verbose", "--quiet"}},
	"command": {wrap: true, strict: true, flags: "pvV"}, "builtin": {wrap: true, strict: true}, "exec": {wrap: true, strict: true, flags: "cl", valOpts: "a"},
	"timeout":    {wrap: true, skip: 1, strict: true, valOpts: "sk", valLong: []string{"--signal", "--kill-after"}, flags: "v", flagLong: []string{"--foreground", "--preserve-status", "--verbose"}},
	"gtimeout":   {wrap: true, skip: 1, strict: true, valOpts: "sk", valLong: []string{"--signal", "--kill-after"}, flags: "v", flagLong: []string{"--foreground", "--preserve-status", "--verbose"}},
	"flock":      {wrap: true, skip: 1, strict: true, codeOpts: "c", codeLong: []string{"--command"}, valOpts: "wE", valLong: []string{"--timeout", "--wait", "--conflict-exit-code"}, flags: "sexnouFhV", flagLong: []string{"--shared", "--exclusive", "--nonblock", "--close", "--unlock", "--no-fork", "--verbose"}},
	"stdbuf":     {wrap: true, strict: true, valOpts: "ioe", valLong: []string{"--input", "--output", "--error"}},
	"ionice":     {wrap: true, strict: true, valOpts: "cnp", valLong: []string{"--class", "--classdata"}, flags: "t", flagLong: []string{"--ignore"}},
	"chrt":       {wrap: true, skip: 1, strict: true, valOpts: "TPD", flags: "abdfimoprRv"},
	"taskset":    {wrap: true, skip: 1, strict: true, flags: "ac", flagLong: []string{"--all-tasks", "--cpu-list"}},
	"setsid":     {wrap: true, strict: true, flags: "cfw", flagLong: []string{"--ctty", "--fork", "--wait"}},
	"chroot":     {wrap: true, skip: 1, strict: true, valLong: []string{"--userspec", "--groups"}, flagLong: []string{"--skip-chdir"}},
	"unbuffer":   {wrap: true, strict: true, flags: "p"},
	"caffeinate": {wrap: true, strict: true, flags: "dimsu", valOpts: "tw"},
	"systemd-run": {wrap: true, strict: true, valOpts: "pEMuH", valLong: []string{"--unit", "--property", "--description", "--slice", "--uid", "--gid", "--setenv", "--working-directory", "--machine", "--host", "--on-calendar", "--nice"},
		flags: "tPqGrd", flagLong: []string{"--user", "--system", "--scope", "--pty", "--pipe", "--wait", "--quiet", "--collect", "--remain-after-exit", "--same-dir"}},
	"xargs": {wrap: true, strict: true, stdin: true, valOpts: "EeIiLlnPsd", codeOpts: "a", codeLong: []string{"--arg-file"},
		valLong:  []string{"--delimiter", "--replace", "--max-lines", "--max-args", "--max-procs", "--max-chars", "--eof", "--process-slot-var"},
		flags:    "0prtx",
		flagLong: []string{"--null", "--no-run-if-empty", "--verbose", "--exit", "--interactive", "--open-tty"}},
	"busybox": {wrap: true, strict: true},
	"find":    {findExec: true},
	"tee":     {},
}

// codeFiles are places whose files the system runs or sources as code: a
// value written to one is code (cron jobs, shell start-up files, sudoers,
// systemd units, git hooks).
var codeFiles = []string{
	"/etc/cron", "/var/spool/cron", "/etc/profile", "/etc/bash", "/etc/zsh", "/etc/environment",
	"/etc/sudoers", "/etc/systemd/", "/lib/systemd/", "/usr/lib/systemd/", "/etc/init.d/", "/etc/rc.local",
	"/etc/ld.so.preload", "/etc/update-motd.d/", "~/.bash", "~/.profile", "~/.zsh", "~/.config/systemd/",
	".git/hooks/", "~/.ssh/authorized_keys", "~/.ssh/config", "/root/.",
}

func isCodeFile(path string) bool {
	for _, p := range codeFiles {
		if strings.HasPrefix(path, p) || strings.HasPrefix(p, ".git/") && strings.Contains(path, p) {
			return true
		}
	}
	return false
}

// dangerousEnv are environment variables that programs read as code, a
// program to run or a library to load: a value assigned to one is code.
var dangerousEnv = map[string]bool{
	"BASH_ENV": true, "ENV": true, "PROMPT_COMMAND": true, "PS0": true, "PS1": true, "PS2": true, "PS3": true, "PS4": true,
	"SHELLOPTS": true, "BASHOPTS": true, "IFS": true, "PATH": true, "CDPATH": true, "GLOBIGNORE": true, "HOME": true,
	"PERL5OPT": true, "PERL5LIB": true, "PERLLIB": true, "PYTHONSTARTUP": true, "PYTHONPATH": true, "PYTHONHOME": true,
	"NODE_OPTIONS": true, "NODE_PATH": true, "RUBYOPT": true, "RUBYLIB": true, "JAVA_TOOL_OPTIONS": true,
	"_JAVA_OPTIONS": true, "JDK_JAVA_OPTIONS": true, "PAGER": true, "GIT_PAGER": true, "MANPAGER": true,
	"SYSTEMD_PAGER": true, "LESSOPEN": true, "LESSCLOSE": true, "EDITOR": true, "VISUAL": true, "GIT_EDITOR": true,
	"SUDO_EDITOR": true, "SUDO_ASKPASS": true, "SSH_ASKPASS": true, "GIT_ASKPASS": true, "GIT_SSH": true,
	"GIT_SSH_COMMAND": true, "GIT_EXTERNAL_DIFF": true, "GIT_PROXY_COMMAND": true, "GIT_EXEC_PATH": true,
	"GIT_TEMPLATE_DIR": true, "BROWSER": true, "PSQLRC": true, "MYSQL_HISTFILE": true, "HISTFILE": true,
	"KUBECONFIG": true, "DOCKER_CONFIG": true, "SHELL": true, "TERMINAL": true, "MAILRC": true, "INPUTRC": true,
}

// dangerousEnvPrefix are families of such variables.
var dangerousEnvPrefix = []string{"LD_", "DYLD_", "GIT_CONFIG", "BASH_FUNC_", "BASH_XTRACEFD"}

func isDangerousEnv(name string) bool {
	if dangerousEnv[name] {
		return true
	}
	for _, p := range dangerousEnvPrefix {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// lookupProgram finds the spec of a program named by a literal command
// word: by base name, case-insensitively (macOS file systems ignore case),
// and without a version suffix (python3.12, perl5.36, php8.2).
func lookupProgram(word string) (string, *progSpec) {
	name := strings.ToLower(path.Base(word))
	if word == "." {
		name = "."
	}
	if p, ok := programs[name]; ok {
		return name, p
	}
	trimmed := strings.TrimRight(name, "0123456789.-")
	if trimmed != "" && trimmed != name {
		if p, ok := programs[trimmed]; ok {
			return trimmed, p
		}
	}
	return name, nil
}
