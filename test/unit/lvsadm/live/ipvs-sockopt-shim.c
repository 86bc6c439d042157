/*
 * LD_PRELOAD shim for the live ipvsadm comparison tests. This machine's kernel has no IPVS, and
 * ipvsadm initialises IPVS before it parses its arguments, so without help it never gets to
 * its parser. The shim answers libipvs's fallback (socket-option) interface instead of a
 * kernel: the raw socket is /dev/null; GET_INFO reports IPVS 1.2.1 with a 4096-entry table;
 * GET_SERVICES / GET_SERVICE / GET_DESTS serve the table described in the file named by
 * $IPVS_SHIM_TABLE (none if unset); GET_TIMEOUT reports 900 120 300; no daemon runs; every
 * SET succeeds without effect. The socket-option interface is IPv4-only and has no tunnel or
 * persistence-engine fields, so tables are limited to what it can express.
 *
 * Table file, one entry per line, numbers in decimal, addresses dotted:
 *   S proto addr port fwmark sched flags timeout netmask conns inpkts outpkts inbytes outbytes cps inpps outpps inbps outbps
 *   D addr port conn_flags weight u_thresh l_thresh active inact persist conns inpkts outpkts inbytes outbytes cps inpps outpps inbps outbps
 * D lines belong to the S line above them. netmask is the dotted mask.
 *
 * When $IPVS_SHIM_CONN is set, opening /proc/net/ip_vs_conn opens that file instead.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define BASE (64 + 1024 + 64)
#define MAX_SVC 64
#define MAX_DEST 64

struct stats_user {
  uint32_t conns, inpkts, outpkts;
  uint64_t inbytes, outbytes;
  uint32_t cps, inpps, outpps, inbps, outbps;
};

struct svc_kern {
  uint16_t protocol;
  uint32_t addr;
  uint16_t port;
  uint32_t fwmark;
  char sched_name[16];
  unsigned flags, timeout;
  uint32_t netmask;
  unsigned num_dests;
  struct stats_user stats;
};

struct dest_kern {
  uint32_t addr;
  uint16_t port;
  unsigned conn_flags;
  int weight;
  uint32_t u_threshold, l_threshold, activeconns, inactconns, persistconns;
  struct stats_user stats;
};

struct get_dests_kern {
  uint16_t protocol;
  uint32_t addr;
  uint16_t port;
  uint32_t fwmark;
  unsigned num_dests;
  struct dest_kern entrytable[];
};

static struct svc_kern svcs[MAX_SVC];
static struct dest_kern dests[MAX_SVC][MAX_DEST];
static int nsvc = -1;
static int fake_fd = -1;

static void read_stats(char **save, struct stats_user *s) {
  s->conns = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
  s->inpkts = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
  s->outpkts = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
  s->inbytes = strtoull(strtok_r(NULL, " \n", save), NULL, 10);
  s->outbytes = strtoull(strtok_r(NULL, " \n", save), NULL, 10);
  s->cps = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
  s->inpps = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
  s->outpps = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
  s->inbps = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
  s->outbps = strtoul(strtok_r(NULL, " \n", save), NULL, 10);
}

static void load(void) {
  char line[1024], *save, *tok;
  FILE *f;
  const char *path = getenv("IPVS_SHIM_TABLE");
  if (nsvc >= 0) return;
  nsvc = 0;
  if (!path || !(f = fopen(path, "r"))) return;
  while (fgets(line, sizeof(line), f)) {
    tok = strtok_r(line, " \n", &save);
    if (!tok) continue;
    if (!strcmp(tok, "S") && nsvc < MAX_SVC) {
      struct svc_kern *s = &svcs[nsvc++];
      memset(s, 0, sizeof(*s));
      s->protocol = atoi(strtok_r(NULL, " \n", &save));
      inet_pton(AF_INET, strtok_r(NULL, " \n", &save), &s->addr);
      s->port = htons(atoi(strtok_r(NULL, " \n", &save)));
      s->fwmark = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      strncpy(s->sched_name, strtok_r(NULL, " \n", &save), 15);
      s->flags = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      s->timeout = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      inet_pton(AF_INET, strtok_r(NULL, " \n", &save), &s->netmask);
      read_stats(&save, &s->stats);
    } else if (!strcmp(tok, "D") && nsvc > 0 && svcs[nsvc - 1].num_dests < MAX_DEST) {
      struct svc_kern *s = &svcs[nsvc - 1];
      struct dest_kern *d = &dests[nsvc - 1][s->num_dests++];
      memset(d, 0, sizeof(*d));
      inet_pton(AF_INET, strtok_r(NULL, " \n", &save), &d->addr);
      d->port = htons(atoi(strtok_r(NULL, " \n", &save)));
      d->conn_flags = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      d->weight = atoi(strtok_r(NULL, " \n", &save));
      d->u_threshold = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      d->l_threshold = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      d->activeconns = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      d->inactconns = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      d->persistconns = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
      read_stats(&save, &d->stats);
    }
  }
  fclose(f);
}

static int find(const struct svc_kern *q) {
  for (int i = 0; i < nsvc; i++) {
    if (q->fwmark ? svcs[i].fwmark == q->fwmark
                  : (!svcs[i].fwmark && svcs[i].protocol == q->protocol && svcs[i].addr == q->addr && svcs[i].port == q->port))
      return i;
  }
  return -1;
}

int socket(int domain, int type, int protocol) {
  static int (*real)(int, int, int);
  if (domain == AF_INET && type == SOCK_RAW && protocol == IPPROTO_RAW) {
    fake_fd = open("/dev/null", O_RDWR);
    return fake_fd;
  }
  if (!real) real = dlsym(RTLD_NEXT, "socket");
  return real(domain, type, protocol);
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len) {
  static int (*real)(int, int, int, void *, socklen_t *);
  if (fd == fake_fd && level == IPPROTO_IP) {
    unsigned int *u = val;
    int i;
    load();
    switch (name - BASE) {
    case 1: /* GET_INFO */
      u[0] = 0x010201;
      u[1] = 4096;
      u[2] = nsvc;
      return 0;
    case 2: /* GET_SERVICES */
      for (i = 0; i < nsvc && i < (int)u[0]; i++)
        memcpy((char *)val + 8 + i * sizeof(struct svc_kern), &svcs[i], sizeof(struct svc_kern));
      return 0;
    case 3: /* GET_SERVICE */
      if ((i = find(val)) < 0) break;
      memcpy(val, &svcs[i], sizeof(struct svc_kern));
      return 0;
    case 4: { /* GET_DESTS */
      struct get_dests_kern *g = val;
      struct svc_kern q = {.protocol = g->protocol, .addr = g->addr, .port = g->port, .fwmark = g->fwmark};
      if ((i = find(&q)) < 0) break;
      for (unsigned k = 0; k < g->num_dests && k < svcs[i].num_dests; k++) g->entrytable[k] = dests[i][k];
      return 0;
    }
    case 6: /* GET_TIMEOUT */
      u[0] = 900;
      u[1] = 120;
      u[2] = 300;
      return 0;
    case 7: /* GET_DAEMON: two struct ip_vs_daemon_kern, no daemon */
      memset(val, 0, 2 * (4 + 16 + 4));
      return 0;
    }
    errno = ESRCH;
    return -1;
  }
  if (!real) real = dlsym(RTLD_NEXT, "getsockopt");
  return real(fd, level, name, val, len);
}

int setsockopt(int fd, int level, int name, const void *val, socklen_t len) {
  static int (*real)(int, int, int, const void *, socklen_t);
  if (fd == fake_fd && level == IPPROTO_IP) return 0;
  if (!real) real = dlsym(RTLD_NEXT, "setsockopt");
  return real(fd, level, name, val, len);
}

FILE *fopen(const char *path, const char *mode) {
  static FILE *(*real)(const char *, const char *);
  const char *conn = getenv("IPVS_SHIM_CONN");
  if (!real) real = dlsym(RTLD_NEXT, "fopen");
  if (conn && !strcmp(path, "/proc/net/ip_vs_conn")) path = conn;
  return real(path, mode);
}
