/*
 * The director benchmark's real servers: one process in the server namespace that accepts TCP connections on
 * 0.0.0.0:PORT (every address the namespace treats as local) and closes each at once (a FIN, never a reset: a
 * checker that reads SO_ERROR after a reset would count a failure). A health check is a bare connect, so this
 * is all a real server has to do; in C it costs the guest's emulated CPU next to nothing beyond the kernel's
 * own work, where a node server would take a good part of a vCPU at 2,000 checks a second.
 *
 *   acceptor PORT        (built by scripts/bench/director.sh with cc; runs until killed)
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  int port = argc > 1 ? atoi(argv[1]) : 80;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in sa;
  if (fd < 0) { perror("acceptor: socket"); return 1; }
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  memset(&sa, 0, sizeof sa);
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("acceptor: bind"); return 1; }
  if (listen(fd, 65535) < 0) { perror("acceptor: listen"); return 1; }
  fprintf(stderr, "acceptor: listening on 0.0.0.0:%d\n", port);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c >= 0) close(c);
    else if (errno != EINTR && errno != ECONNABORTED && errno != EMFILE && errno != ENFILE) { perror("acceptor: accept"); return 1; }
  }
}
