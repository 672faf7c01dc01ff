package runbook

import (
	"strings"
	"unicode"

	"mvdan.cc/sh/v3/syntax"
)

// shellUnit says whether code (one logical line, or a construct over
// several) is a command that starts with a program (uShell), a plain
// assignment (uAssign) or not a command (uProse), and whether more lines
// could make it parse (an open heredoc, quote or `if`).
func shellUnit(code string) (kind unitKind, incomplete bool) {
	if gluedSentence.MatchString(code) {
		return uProse, false
	}
	if strings.Contains(code, "\r\n") {
		code = strings.ReplaceAll(code, "\r\n", "\n")
	}
	// the line ending lets an open heredoc count as unfinished
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(maskPlaceholders(code)+"\n"), "")
	if err != nil {
		return uProse, syntax.IsIncomplete(err)
	}
	if len(f.Stmts) == 0 || hasProseWords(f) {
		return uProse, false
	}
	return stmtKind(f.Stmts[0]), false
}

// gluedSentence is a sentence end followed by a list item's dash on the
// same line: a web page's list of "- Install yarn (`npm install -g
// yarn`). - Install pm2 (…)" flattened into one line. Such a line is
// prose around inline code, never a command.
var gluedSentence = &lazyRE{expr: `\S[.)] - [A-Z]`}

// maskPlaceholders replaces placeholders with same-length words, so that
// `<account-id>` is not read as a redirection (offsets are unchanged).
func maskPlaceholders(code string) string {
	if !strings.ContainsAny(code, "<{") {
		return code
	}
	b := []byte(code)
	ScanPlaceholders(code, func(_ string, start, end int) {
		for i := start; i < end; i++ {
			b[i] = 'x'
		}
	})
	return string(b)
}

// stmtKind classifies a statement by how it starts.
func stmtKind(st *syntax.Stmt) unitKind {
	switch c := st.Cmd.(type) {
	case *syntax.CallExpr:
		if len(c.Args) > 0 {
			if isProgram(c.Args[0].Lit()) {
				return uShell
			}
			return uProse
		}
		// GIT_SHA=$(git rev-parse --short HEAD) runs git; REGION=us-west-2
		// on its own is as likely a setting as a command
		for _, a := range c.Assigns {
			if a.Value == nil || !hasCmdSubst(a.Value) {
				return uAssign
			}
		}
		return uShell
	case *syntax.BinaryCmd:
		return stmtKind(c.X)
	case *syntax.DeclClause:
		if c.Variant != nil && c.Variant.Value == "export" {
			return uShell
		}
	case *syntax.IfClause, *syntax.ForClause, *syntax.WhileClause, *syntax.CaseClause:
		// a whole construct that parses (`if … fi`) is no sentence
		return uShell
	}
	return uProse
}

func hasCmdSubst(w *syntax.Word) bool {
	for _, part := range w.Parts {
		switch x := part.(type) {
		case *syntax.CmdSubst:
			return true
		case *syntax.DblQuoted:
			for _, q := range x.Parts {
				if _, ok := q.(*syntax.CmdSubst); ok {
					return true
				}
			}
		}
	}
	return false
}

// typographic runes appear in prose, not in unquoted shell words.
const typographic = "—–→←’‘“”…¶§"

// hasProseWords reports whether an unquoted word holds typographic
// punctuation, or a command's last word ends a sentence ("yarn install.").
func hasProseWords(f *syntax.File) bool {
	prose := false
	syntax.Walk(f, func(n syntax.Node) bool {
		switch x := n.(type) {
		case *syntax.Word:
			for _, part := range x.Parts {
				if l, ok := part.(*syntax.Lit); ok && strings.ContainsAny(l.Value, typographic) {
					prose = true
				}
			}
		case *syntax.CallExpr:
			if len(x.Args) > 1 && endsSentenceWord(x.Args[len(x.Args)-1].Lit()) {
				prose = true
			}
		}
		return !prose
	})
	return prose
}

// endsSentenceWord: "install." or "20.18.1." but not ".", "..", "dir/.".
func endsSentenceWord(w string) bool {
	if len(w) < 2 || w[len(w)-1] != '.' {
		return false
	}
	c := rune(w[len(w)-2])
	return unicode.IsLetter(c) || unicode.IsDigit(c)
}

// mayStartCommand is a cheap look at a line's first word before parsing
// it: a program, a shell keyword or an assignment.
func mayStartCommand(w string) bool {
	switch w {
	case "if", "for", "while", "until", "case", "export":
		return true
	}
	if isProgram(w) {
		return true
	}
	eq := strings.IndexByte(w, '=')
	return eq > 0 && isName(w[:eq])
}

func isName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isAlpha(c) || c == '_' || (i > 0 && c >= '0' && c <= '9')) {
			return false
		}
	}
	return s != ""
}

// isProgram reports whether a command's first word names a program: a
// known one (a fixed list, not $PATH, so that every machine infers the
// same steps and step ids), a relative script (./deploy.sh) or a path
// into a bin directory.
func isProgram(w string) bool {
	switch {
	case w == "":
		return false
	case programs[w]:
		return true
	case strings.HasPrefix(w, "./") || strings.HasPrefix(w, "../") || strings.HasPrefix(w, "~/"):
		return len(w) > 2 && !strings.HasSuffix(w, "/") && !endsSentenceWord(w)
	case strings.HasPrefix(w, "/"):
		return strings.Contains(w, "/bin/") && !strings.HasSuffix(w, "/") && !endsSentenceWord(w)
	}
	return false
}

// programs are the commands a runbook's shell blocks start with. English
// words that are also commands (at, more, less, sort, type, time, test,
// top, free, id, step, watch, source…) are left out on purpose: a line of
// prose starting with one must not become a step.
var programs = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		aws az gcloud gsutil bq doctl linode-cli oci ibmcloud eksctl ecs-cli copilot sam cdk
		pulumi terraform tofu terragrunt packer vagrant ansible ansible-playbook ansible-vault
		kubectl kubectx kubens helm helmfile kustomize minikube k3d k9s stern argocd flux
		istioctl linkerd skaffold tilt kubeadm etcdctl crictl ctr nerdctl
		docker docker-compose podman buildah skopeo crane oras cosign
		git gh glab hub svn
		curl wget httpie grpcurl websocat
		mysql mysqldump mysqladmin mysqlsh mariadb mariadb-dump psql pg_dump pg_restore
		pg_isready createdb dropdb redis-cli mongosh mongo mongodump mongorestore sqlite3
		clickhouse-client cqlsh influx
		ssh scp sftp rsync ssh-keygen ssh-add ssh-copy-id mosh
		openssl certbot gpg sops vault consul nomad
		dig nslookup ping traceroute mtr nc ncat telnet ss netstat lsof tcpdump ip ifconfig
		iptables ufw firewall-cmd
		systemctl journalctl service launchctl supervisorctl pm2 nginx apachectl caddy
		sudo su doas env printenv
		echo printf cat tee grep egrep fgrep rg sed awk gawk cut tr head tail wc jq yq xargs
		find fd ls cp mv rm mkdir rmdir ln chmod chown chgrp touch stat du df
		tar gzip gunzip zip unzip xz bzip2 zstd base64 sha256sum shasum md5sum
		cd pushd popd pwd mktemp realpath readlink basename dirname
		kill pkill killall ps pgrep htop uptime vmstat iostat dmesg
		useradd usermod userdel groupadd passwd chpasswd visudo whoami
		hostnamectl timedatectl localectl mount umount lsblk fdisk mkfs crontab
		apt apt-get apt-cache dpkg yum dnf rpm apk brew snap flatpak port choco winget
		npm npx yarn pnpm bun deno node nvm corepack
		python python3 pip pip3 pipx poetry uv pipenv virtualenv conda
		go cargo rustup rustc java javac mvn gradle dotnet php composer ruby gem bundle
		rake rails perl lua
		make cmake bash sh zsh fish
		prisma knex flyway liquibase sequelize alembic
		k6 ab wrk hey vegeta locust
		sleep nohup
	`) {
		m[w] = true
	}
	return m
}()
