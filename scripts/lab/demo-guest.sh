#!/usr/bin/env bash
# demo-guest.sh: runs inside the kernel lab (see scripts/demo.sh). Builds the netns lab, gives the
# director pair the same NAT virtual service with the real ipvsadm, d1 as the active director and
# connection-sync master, d2 as backup; sends client traffic; shows topology and IPVS state.
set -euo pipefail
cd "$(dirname "$0")/../.."
lab=scripts/netns-lab.sh
p=demo
vip=203.0.113.10

bash $lab down -p $p >/dev/null 2>&1 || true
trap 'bash $lab down -p $p >/dev/null 2>&1 || true' EXIT
bash $lab up -p $p -r 2 --gateway d1 >/dev/null

for n in 1 2; do
  ip netns exec $p-rs$n node scripts/lab/tcp-name-server.mjs "rs$n" 80 >/dev/null &
  disown # the lab's teardown kills it: no job notice
done

for d in d1 d2; do
  ip netns exec $p-$d ipvsadm -A -t $vip:80 -s rr
  for n in 1 2; do ip netns exec $p-$d ipvsadm -a -t $vip:80 -r 192.0.2.$((10 + n)):80 -m; done
done
ip netns exec $p-d1 ipvsadm --start-daemon master --mcast-interface eth1 --syncid 1
ip netns exec $p-d2 ipvsadm --start-daemon backup --mcast-interface eth1 --syncid 1
sleep 1

echo "### topology (netns lab: client -- front LAN -- d1/d2 -- back LAN -- rs1, rs2)"
bash $lab show -p $p
echo
echo "### client: 4 connections to $vip:80"
ip netns exec $p-client node scripts/lab/tcp-probe.mjs $vip 80 4 | sed 's/^/  reply from /'
sleep 2
for d in d1 d2; do
  echo
  echo "### $d: ipvsadm -Ln --stats"
  ip netns exec $p-$d ipvsadm -Ln --stats
  echo "### $d: ipvsadm -L --daemon"
  ip netns exec $p-$d ipvsadm -L --daemon
  echo "### $d: ipvsadm -Lnc (connections; d2's arrive through the sync daemon)"
  ip netns exec $p-$d ipvsadm -Lnc
done
