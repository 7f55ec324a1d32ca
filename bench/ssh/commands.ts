/**
 * A seeded corpus of realistic command lines, the kind operators and agents send over `ssh host CMD`:
 * inspection, service control, packages, files, pipelines, wrappers (`sudo`, `sh -c`, `xargs`,
 * `find -exec`), loops, here-docs, substitutions and the obfuscated spellings the normalizer must see
 * through. Same seed, same corpus.
 */
import { Rng } from "../policy/rng.js";

const SERVICES = ["nginx", "postgresql", "redis-server", "docker", "sshd", "cron", "haproxy", "kubelet", "prometheus-node-exporter", "app@web-1"];
const PATHS = ["/var/log/syslog", "/var/log/nginx/access.log", "/etc/nginx/nginx.conf", "/etc/hosts", "/tmp/build.log", "/srv/app/current/.env", "/home/deploy/releases", "/opt/app/config.yaml", "/var/lib/postgresql/15/main/postgresql.auto.conf", "/etc/shadow", "~/.ssh/id_ed25519", "/proc/meminfo"];
const DIRS = ["/var/log", "/srv/app", "/tmp", "/etc/nginx/sites-enabled", "/home/deploy", "/opt/app/releases", ".", "/var/lib/docker/volumes"];
const PATTERNS = ["ERROR", "timeout", "'connection refused'", "\"GET /health\"", "-E '5[0-9]{2} '", "-i warn", "OOM", "'^\\s*listen'"];
const PACKAGES = ["htop", "jq", "curl", "nginx", "postgresql-15", "python3-pip", "git", "tmux", "strace", "ripgrep"];
const USERS = ["root", "postgres", "deploy", "www-data", "app"];
const HOSTS = ["db-1", "web-2.internal", "10.0.3.17", "bastion", "cache-1"];

type Template = (r: Rng) => string;

const simple: Template[] = [
  (r) => `ls -la ${r.pick(DIRS)}`,
  (r) => `cat ${r.pick(PATHS)}`,
  (r) => `tail -n ${r.int(10, 500)} ${r.pick(PATHS)}`,
  (r) => `tail -f ${r.pick(PATHS)}`,
  (r) => `head -c ${r.int(1, 4096)} ${r.pick(PATHS)}`,
  (r) => `grep -rn ${r.pick(PATTERNS)} ${r.pick(DIRS)}`,
  (r) => `systemctl status ${r.pick(SERVICES)} --no-pager`,
  (r) => `journalctl -u ${r.pick(SERVICES)} --since '${r.int(1, 48)} hours ago' -n ${r.int(50, 1000)}`,
  (r) => `df -h ${r.pick(DIRS)}`,
  (r) => `du -sh ${r.pick(DIRS)}/*`,
  () => "uptime",
  () => "free -m",
  () => "uname -a",
  () => "true",
  (r) => `echo ${r.pick(["ok", "hello", "$HOME", "\"$(date +%s)\"", "'it''s fine'"])}`,
  (r) => `ps aux --sort=-%${r.pick(["cpu", "mem"])}`,
  (r) => `ss -tlnp sport = :${r.int(1, 65535)}`,
  (r) => `curl -fsS http://127.0.0.1:${r.int(1024, 9999)}/health`,
  (r) => `docker logs --tail ${r.int(10, 300)} ${r.pick(["api", "worker", "web"])}-${r.int(1, 9)}`,
  (r) => `kubectl get pods -n ${r.pick(["default", "prod", "kube-system", "payments"])} -o wide`,
  (r) => `git -C /srv/app log --oneline -${r.int(1, 50)}`,
  (r) => `stat -c '%U %a %s' ${r.pick(PATHS)}`,
  (r) => `openssl x509 -noout -dates -in /etc/ssl/certs/${r.pick(["web", "api", "db"])}.pem`,
];

const changes: Template[] = [
  (r) => `sudo systemctl ${r.pick(["restart", "reload", "stop", "start"])} ${r.pick(SERVICES)}`,
  (r) => `sudo -u ${r.pick(USERS)} psql -c 'select count(*) from pg_stat_activity'`,
  (r) => `sudo apt-get ${r.pick(["install -y", "remove -y", "purge"])} ${r.pick(PACKAGES)}`,
  (r) => `rm -rf ${r.pick(["/tmp/cache-", "/srv/app/releases/2024", "/var/tmp/build-"])}${r.int(1, 999)}`,
  (r) => `rm ${r.pick(DIRS)}/*.${r.pick(["log", "tmp", "pid"])}`,
  (r) => `mv ${r.pick(PATHS)} ${r.pick(PATHS)}.bak`,
  (r) => `cp -a ${r.pick(DIRS)} /tmp/backup-${r.int(1, 99)}`,
  (r) => `echo '${r.pick(["10.0.0.5 db", "nameserver 1.1.1.1", "vm.swappiness=10"])}' | sudo tee -a ${r.pick(["/etc/hosts", "/etc/resolv.conf", "/etc/sysctl.conf"])}`,
  (r) => `printf '%s\\n' "${r.pick(["export A=1", "set -e"])}" >> ${r.pick(["/etc/profile", "/tmp/x.sh", "~/.bashrc"])}`,
  (r) => `chmod ${r.pick(["600", "755", "+x", "-R go-w"])} ${r.pick(PATHS)}`,
  (r) => `chown -R ${r.pick(USERS)}:${r.pick(USERS)} ${r.pick(DIRS)}`,
  (r) => `tar czf /tmp/${r.pick(["logs", "conf", "site"])}-$(date +%F).tgz -C ${r.pick(DIRS)} .`,
  (r) => `${r.pick(["sudo reboot", "sudo shutdown -r +5", "sudo shutdown -h now", "sudo kill -9 $(pgrep -f worker)"])}`,
  (r) => `crontab -l -u ${r.pick(USERS)}`,
  (r) => `docker ${r.pick(["restart", "stop", "rm -f"])} ${r.pick(["api", "worker", "web"])}-${r.int(1, 9)}`,
];

const wrapped: Template[] = [
  (r) => `sh -c '${r.pick(simple)(r).replaceAll("'", "")}'`,
  (r) => `bash -lc "cd ${r.pick(DIRS)} && ${r.pick(simple)(r).replaceAll('"', "")}"`,
  (r) => `timeout ${r.int(1, 60)} ${r.pick(simple)(r)}`,
  (r) => `nice -n ${r.int(1, 19)} nohup ${r.pick(simple)(r)} &`,
  (r) => `env LANG=C TZ=UTC ${r.pick(simple)(r)}`,
  (r) => `find ${r.pick(DIRS)} -name '*.${r.pick(["log", "gz", "tmp"])}' -mtime +${r.int(1, 30)} -exec rm {} \\;`,
  (r) => `find ${r.pick(DIRS)} -type f -print0 | xargs -0 grep -l ${r.pick(PATTERNS)}`,
  (r) => `ssh ${r.pick(HOSTS)} ${r.pick(simple)(r)}`,
  (r) => `su - ${r.pick(USERS)} -c '${r.pick(simple)(r).replaceAll("'", "")}'`,
  (r) => `exec ${r.pick(simple)(r)}`,
  (r) => `command -v ${r.pick(PACKAGES)} && ${r.pick(simple)(r)}`,
];

const composed: Template[] = [
  (r) => `${r.pick(simple)(r)} | grep ${r.pick(PATTERNS)} | sort | uniq -c | sort -rn | head -${r.int(5, 50)}`,
  (r) => `${r.pick(simple)(r)} && ${r.pick(changes)(r)} || echo failed >&2`,
  (r) => `cd ${r.pick(DIRS)}; ${r.pick(simple)(r)}; ${r.pick(simple)(r)}`,
  (r) => `for s in ${r.pick(SERVICES)} ${r.pick(SERVICES)}; do systemctl is-active "$s"; done`,
  (r) => `for f in ${r.pick(DIRS)}/*.log; do wc -l "$f"; done | sort -n | tail -${r.int(3, 20)}`,
  (r) => `while read -r line; do echo "$line" | cut -d' ' -f${r.int(1, 9)}; done < ${r.pick(PATHS)}`,
  (r) => `if [ -f ${r.pick(PATHS)} ]; then ${r.pick(simple)(r)}; else echo missing; fi`,
  (r) => `( cd ${r.pick(DIRS)} && ${r.pick(simple)(r)} ) 2>/dev/null`,
  (r) => `diff <(${r.pick(simple)(r)}) <(ssh ${r.pick(HOSTS)} ${r.pick(simple)(r)})`,
  (r) => `cat <<'EOF' > /tmp/note-${r.int(1, 99)}.txt\n${r.pick(PATTERNS)}\nline ${r.int(1, 9)}\nEOF`,
  (r) => `psql -U ${r.pick(USERS)} <<SQL\nselect ${r.int(1, 9)};\nSQL`,
  (r) => `awk '{print $${r.int(1, 9)}}' ${r.pick(PATHS)} | sort | uniq -c`,
  (r) => `sed -n '${r.int(1, 50)},${r.int(51, 200)}p' ${r.pick(PATHS)}`,
  (r) => `X=$(${r.pick(simple)(r)}); echo "$X" | wc -l`,
  (r) => `f() { ${r.pick(simple)(r)}; }; f; f`,
  (r) => `echo ${"x".repeat(r.int(1, 8))}{1..${r.int(2, 9)}} | tr ' ' '\\n'`,
];

/** What scripts and attackers write to get a command past a naive filter. */
const obfuscated: Template[] = [
  (r) => `r\\m -rf /tmp/x${r.int(1, 99)}`,
  (r) => `'r''m' -r ${r.pick(DIRS)}/old`,
  (r) => `"c"at ${r.pick(PATHS)}`,
  (r) => `/bin/cat ${r.pick(PATHS)}`,
  (r) => `$(echo rm) -f /tmp/f${r.int(1, 99)}`,
  (r) => `\${X:-cat} ${r.pick(PATHS)}`,
  (r) => `{ca,}t ${r.pick(PATHS)}`,
  (r) => `IFS=,; cmd=cat,${r.pick(PATHS)}; $cmd`,
  (r) => `ca\\\nt ${r.pick(PATHS)}`,
  (r) => `echo ${Buffer.from(r.pick(simple)(r)).toString("base64")} | base64 -d | sh`,
  (r) => `python3 -c 'import os; os.system("${r.pick(simple)(r).replaceAll('"', "").replaceAll("'", "")}")'`,
  (r) => `eval "${r.pick(simple)(r).replaceAll('"', "")}"`,
  (r) => `. /tmp/env-${r.int(1, 9)}.sh && ${r.pick(simple)(r)}`,
  (r) => `$'\\x63\\x61\\x74' ${r.pick(PATHS)}`,
];

/** A few lines that do not parse: the normalizer's error path is timed too. */
const broken: Template[] = [(r) => `echo 'unterminated ${r.int(1, 99)}`, (r) => `if true; then ${r.pick(simple)(r)}`, () => "cat <(ls", () => "for x in; do done)"];

const GROUPS: Array<[Template[], number]> = [
  [simple, 30],
  [changes, 20],
  [wrapped, 18],
  [composed, 20],
  [obfuscated, 10],
  [broken, 2],
];

/** `size` distinct command lines drawn from the groups above in their weights. */
export function commandCorpus(size: number, seed = 11): string[] {
  const r = new Rng(seed);
  const total = GROUPS.reduce((sum, [, weight]) => sum + weight, 0);
  const seen = new Set<string>();
  for (let attempts = 0; seen.size < size && attempts < size * 50; attempts++) {
    let roll = r.int(0, total - 1);
    const group = GROUPS.find(([, weight]) => (roll -= weight) < 0)?.[0] ?? simple;
    seen.add(r.pick(group)(r));
  }
  return [...seen];
}
