#!/usr/bin/env node
/** lvsadm: drop-in for ipvsadm. Until the IPVS issue lands it only prints its usage. */
import { VERSION } from '../version.js';

process.stdout.write(`lvsadm (lvsd ${VERSION}): ipvsadm drop-in; IPVS commands are not implemented yet.\n`);
process.exitCode = process.argv.length > 2 && !['-h', '--help'].includes(process.argv[2] ?? '') ? 2 : 0;
