#!/bin/sh
# The classic VRRP track script: healthy (exit 0) while an nginx master
# process runs. Install as /etc/vipd/check_nginx.sh, owned by root, mode 0755.
exec pidof nginx >/dev/null
