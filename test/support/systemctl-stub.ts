/**
 * A `systemctl` stand-in for the SSH test nodes: systemd is not PID 1 inside a
 * node, so nothing can be started. The stub records every call (the tests
 * assert on them), answers `cat` from the unit files and `is-active` for
 * flanneld from a flag file the test sets. It never pretends to start anything.
 */
export const SYSTEMCTL_LOG = "/var/log/podnet-test-systemctl.log";
export const ACTIVE_FLAG = "/run/podnet-test-flanneld-active";

export const STUB_SYSTEMCTL = `#!/bin/sh
# podnet test stub: systemd is not PID 1 in a test node, so nothing is started here.
echo "$*" >>${SYSTEMCTL_LOG}
case "$1" in
  cat) [ -f "/etc/systemd/system/$2" ] ;;
  is-active) [ "$3" = flanneld.service ] && [ -f ${ACTIVE_FLAG} ] ;;
  *) exit 0 ;;
esac
`;
