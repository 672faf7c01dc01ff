package runbook

import "strings"

// knownPrograms are the commands an unlabelled code block (or a console
// block without prompts) may start its lines with to be read as commands.
// The list is fixed on purpose, and PATH is not consulted: the same
// document must yield the same steps, with the same ids, on every machine
// that runs or resumes it. Words that also begin prose, output or other
// languages' code (`import`, `from`, `print`, `package`, `make sure…` is
// kept out by the parse check) are left out.
var knownPrograms = setOf(`
ab ack ag alias apk apt apt-get apt-cache aptitude arch argocd arp asdf aws awk az
b2 base64 basename bash bat bazel bazelisk bc bosh brew buildah bun bundle bunx bzip2
cabal cargo cassandra cat cd certbot cf chcon chgrp chmod chown chroot cilium ckan
clickhouse-client cmake code column comm composer conda consul cosign cp cqlsh crane crc
createdb crictl cron crontab csplit ctr curl cut cygpath dapr date dd deno df dig diff
dirname dmesg dnf docker docker-compose doctl dotnet dpkg dropdb du ec2-metadata echo
ed eksctl emacs env envsubst etcd etcdctl etcdutl eval ex exec exit expand export expr
false fdisk fgrep file find firebase firewall-cmd flatpak flux fly flyctl fold free
fsck fzf gcc gcloud gem gh git gitlab-runner glab go gofmt gpg gradle grep groupadd
grpcurl gsutil gunzip gzip hadoop hash hdfs head helm helmfile heroku history host
hostname hostnamectl htop http httpie hugo iconv id ifconfig influx install ip
ip6tables ipset iptables istioctl java javac jcmd jmap journalctl jps jq jstack
k3d k3s k6 k9s kafka-topics kafka-console-consumer kafka-console-producer kcat kill
killall kind kn ko kops krew kube-proxy kubeadm kubectl kubectx kubelet kubens kubeseal
kustomize last ldd less let linkerd ln locale localectl logger loginctl ls lsblk
lsof lsmod lxc lxd make man mc md5sum microk8s minikube mkdir mkfs mktemp modprobe
mongo mongodump mongorestore mongosh more mount multipass mv mvn mysql mysqladmin
mysqldump nc ncat netstat newgrp nginx nix nixos-rebuild nmap nmcli node nohup nomad
npm npx nslookup nvm oc ollama op openssl opentofu ovs-vsctl ovn-nbctl ovn-sbctl
ovs-appctl packer pacman parallel passwd paste patch pg_dump pg_dumpall pg_isready
pg_restore pgrep php pip pip3 pipenv pipx pkill pm2 pnpm podman poetry popd printenv
printf ps psql pulumi pushd pv pwd python python3 rabbitmqctl rake rancher rbenv rclone
read readlink realpath reboot redis-cli rm rmdir rpm rsync ruby runme rustc rustup
sam scp screen sed seq service setenforce sh sha1sum sha256sum shasum shellcheck
shutdown skaffold skopeo sleep snap socat sort source split sqlite3 ss ssh ssh-add
ssh-keygen ssh-keyscan sshpass stat stern strace su sudo supervisorctl swapoff swapon
sysctl systemctl tail tailscale tar tee telnet terraform terragrunt test tflint
tilt timedatectl timeout tkn tmux top touch tr traceroute trap tree true truncate
tsh tsx type ufw ulimit umask umount uname uniq unset unzip unxz update-alternatives
uptime useradd usermod vagrant vault vi vim virtctl virsh visudo wait watch wc wget
whereis which whoami wrangler xargs xclip xz yarn yes yq yum zcat zip zypper zsh
velero kubectl-argo-rollouts argo cilium-dbg hubble tctl temporal gcc-ar mcli
mariadb mariadb-dump redis-server etcdctl3 ceph rbd rados radosgw-admin odf
virtctl oc-mirror opm operator-sdk kubebuilder kind-with-registry podman-compose
colima lima limactl orb orbctl rosa ibmcloud oci linode-cli vultr-cli hcloud
scw exoscale gcloud-sdk cloud-sql-proxy bq gsutil firebase-tools wrangler vercel
netlify railway supabase planetscale pscale atlas flyway liquibase migrate goose
dbmate sqlx prisma sequelize alembic ansible ansible-playbook ansible-galaxy chef
knife puppet salt salt-call nerdctl lazydocker dive trivy grype syft kubescape
kube-bench falco opa conftest kyverno regctl oras gomplate jsonnet tk yamllint
rke rke2 k0s talosctl nodetool wp drush nvidia-smi lspci lsb_release getent kinit chronyc
ntpq ethtool tcpdump mtr iostat vmstat sar mpstat pidstat iotop perf gdb jstat
`)

// builtins and keywords that may begin a line of shell.
var shellWords = setOf(`
. [ [[ if then else elif fi for while until do done case esac function select
{ } ( ) ! set local declare typeset readonly shopt getopts return break continue
`)

func setOf(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// startsWithProgram reports whether a line of shell begins with a known
// program (after `sudo`, assignments and the like), and whether it is a
// line of structure only (`fi`, `}`, `do`) that needs a program elsewhere.
func startsWithProgram(line string) (cmd, structural bool) {
	f := strings.Fields(line)
	for len(f) > 0 {
		w := f[0]
		switch {
		case w == "sudo" || w == "time" || w == "nohup" || w == "exec" || w == "command" || w == "env" && len(f) > 1:
			f = f[1:]
			for len(f) > 0 && strings.HasPrefix(f[0], "-") {
				f = f[1:]
			}
			continue
		case isAssignment(w):
			if len(f) == 1 {
				return true, false // NAME=value alone
			}
			f = f[1:]
			continue
		case shellWords[w]:
			if len(f) == 1 || w == "}" || w == "fi" || w == "done" || w == "esac" || w == "then" || w == "else" || w == "do" {
				return true, true
			}
			f = f[1:]
			continue
		}
		break
	}
	if len(f) == 0 {
		return false, false
	}
	w := strings.TrimLeft(f[0], "({!")
	switch {
	case knownPrograms[w]:
		return true, false
	case strings.HasPrefix(w, "./") || strings.HasPrefix(w, "../") || strings.HasPrefix(w, "~/"):
		return true, false
	case strings.HasPrefix(w, "/") && len(f) > 1 && strings.Count(w, "/") > 1 && !strings.ContainsAny(w, ":,"):
		// /usr/local/bin/kind version; a lone /path is more likely output
		return knownPrograms[w[strings.LastIndexByte(w, '/')+1:]], false
	}
	return false, false
}

// isAssignment reports whether w is NAME=value.
func isAssignment(w string) bool {
	i := strings.IndexByte(w, '=')
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		c := w[j]
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || j > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
