# Shell action documents for the tests, as the shell normalizer (engine/actions/shell) produced them.
# Regenerate an entry by running the normalizer on its text (the "text" field).
package portcullis.test.shell_fixtures

echo := {"kind": "shell", "text": "echo hello", "interactive": false, "commands": [{"program": "echo", "argv": ["echo", "hello"], "argv_dynamic": false, "builtin": true, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

sudo_restart := {"kind": "shell", "text": "sudo systemctl restart nginx", "interactive": false, "commands": [{"program": "sudo", "argv": ["sudo", "systemctl", "restart", "nginx"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}, {"program": "systemctl", "argv": ["systemctl", "restart", "nginx"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": [{"kind": "wrapper", "program": "sudo", "user": "root"}]}], "dynamic": false, "dynamic_reasons": []}

systemctl_status := {"kind": "shell", "text": "systemctl status nginx", "interactive": false, "commands": [{"program": "systemctl", "argv": ["systemctl", "status", "nginx"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

service_stop := {"kind": "shell", "text": "service nginx stop", "interactive": false, "commands": [{"program": "service", "argv": ["service", "nginx", "stop"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

reboot := {"kind": "shell", "text": "reboot", "interactive": false, "commands": [{"program": "reboot", "argv": ["reboot"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

apt_remove := {"kind": "shell", "text": "apt-get remove -y nginx", "interactive": false, "commands": [{"program": "apt-get", "argv": ["apt-get", "remove", "-y", "nginx"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

apt_install := {"kind": "shell", "text": "apt-get install -y jq", "interactive": false, "commands": [{"program": "apt-get", "argv": ["apt-get", "install", "-y", "jq"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

rm_tmp := {"kind": "shell", "text": "rm -rf /tmp/build", "interactive": false, "commands": [{"program": "rm", "argv": ["rm", "-rf", "/tmp/build"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

rm_var := {"kind": "shell", "text": "rm -rf /var/lib/app", "interactive": false, "commands": [{"program": "rm", "argv": ["rm", "-rf", "/var/lib/app"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

rm_escape_tmp := {"kind": "shell", "text": "rm -r /tmp/../etc", "interactive": false, "commands": [{"program": "rm", "argv": ["rm", "-r", "/tmp/../etc"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

rm_file := {"kind": "shell", "text": "rm /var/log/app.log", "interactive": false, "commands": [{"program": "rm", "argv": ["rm", "/var/log/app.log"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

etc_redirect := {"kind": "shell", "text": "echo nameserver 1.1.1.1 > /etc/resolv.conf", "interactive": false, "commands": [{"program": "echo", "argv": ["echo", "nameserver", "1.1.1.1"], "argv_dynamic": false, "builtin": true, "assignments": [], "redirects": [{"fd": null, "op": ">", "target": "/etc/resolv.conf", "writes": true, "target_dynamic": false}], "via": []}], "dynamic": false, "dynamic_reasons": []}

etc_tee := {"kind": "shell", "text": "echo x | sudo tee /etc/hosts", "interactive": false, "commands": [{"program": "echo", "argv": ["echo", "x"], "argv_dynamic": false, "builtin": true, "assignments": [], "redirects": [], "via": [{"kind": "pipeline"}]}, {"program": "sudo", "argv": ["sudo", "tee", "/etc/hosts"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": [{"kind": "pipeline"}]}, {"program": "tee", "argv": ["tee", "/etc/hosts"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": [{"kind": "pipeline"}, {"kind": "wrapper", "program": "sudo", "user": "root"}]}], "dynamic": false, "dynamic_reasons": []}

read_shadow := {"kind": "shell", "text": "cat /etc/shadow", "interactive": false, "commands": [{"program": "cat", "argv": ["cat", "/etc/shadow"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

read_shadow_redirect := {"kind": "shell", "text": "grep root < /etc/shadow", "interactive": false, "commands": [{"program": "grep", "argv": ["grep", "root"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [{"fd": null, "op": "<", "target": "/etc/shadow", "writes": false, "target_dynamic": false}], "via": []}], "dynamic": false, "dynamic_reasons": []}

read_key := {"kind": "shell", "text": "cat ~/.ssh/id_ed25519", "interactive": false, "commands": [{"program": "cat", "argv": ["cat", "~/.ssh/id_ed25519"], "argv_dynamic": true, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

obfuscated_rm := {"kind": "shell", "text": "r\\m -r /srv/data", "interactive": false, "commands": [{"program": "rm", "argv": ["rm", "-r", "/srv/data"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": false, "dynamic_reasons": []}

dynamic := {"kind": "shell", "text": "$(echo rm) -rf /srv", "interactive": false, "commands": [{"program": "echo", "argv": ["echo", "rm"], "argv_dynamic": false, "builtin": true, "assignments": [], "redirects": [], "via": [{"kind": "command-substitution"}]}, {"program": "$(echo rm)", "argv": ["$(echo rm)", "-rf", "/srv"], "argv_dynamic": false, "builtin": false, "assignments": [], "redirects": [], "via": []}], "dynamic": true, "dynamic_reasons": ["a variable, substitution or glob in command position: $(echo rm)"]}

unparsable := {"kind": "shell", "text": "echo \"unterminated", "interactive": false, "commands": [], "dynamic": true, "dynamic_reasons": ["the text does not parse"], "parse_error": {"message": "syntax error near \"\\\"unterminated\"", "position": 5}}

interactive := {"kind": "shell", "text": "", "interactive": true, "commands": [], "dynamic": false, "dynamic_reasons": []}
