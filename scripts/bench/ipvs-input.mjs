/**
 * The restore input of the IPVS benchmark (scripts/bench/ipvs.sh): `services` TCP services
 * (10.a.b.1:80, wlc) with `dests` masqueraded real servers each (192.168.c.d:8080, weight 1),
 * written the way `ipvsadm -S -n` writes them, so that saving the restored table gives the input
 * back line for line.
 * @param {number} services
 * @param {number} dests
 * @returns {string}
 */
export function restoreInput(services, dests) {
  const lines = [];
  for (let i = 0; i < services; i++) {
    const vip = `10.${((i >> 8) & 255) + 1}.${i & 255}.1`;
    lines.push(`-A -t ${vip}:80 -s wlc`);
    for (let j = 0; j < dests; j++) {
      lines.push(`-a -t ${vip}:80 -r 192.168.${i & 255}.${(j % 250) + 1}:${8080 + Math.floor(j / 250)} -m -w 1`);
    }
  }
  return `${lines.join('\n')}\n`;
}
