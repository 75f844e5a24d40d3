/* LD_PRELOAD shim for tests: makes a TCP/UDP client's IPv4 sockets use $SRC_ADDR as their source
 * address (libnfs's tools cannot choose one), so one machine can act as two NFS clients on
 * 127.0.0.1 and 127.0.0.2. bind() to INADDR_ANY is rewritten; an unbound socket is bound first. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int (*real_bind)(int, const struct sockaddr *, socklen_t);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);

static int source(struct in_addr *out) {
  const char *s = getenv("SRC_ADDR");
  return s && inet_pton(AF_INET, s, out) == 1;
}

int bind(int fd, const struct sockaddr *sa, socklen_t len) {
  if (!real_bind) real_bind = dlsym(RTLD_NEXT, "bind");
  struct in_addr src;
  if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in) && source(&src)) {
    struct sockaddr_in sin;
    memcpy(&sin, sa, sizeof sin);
    if (sin.sin_addr.s_addr == htonl(INADDR_ANY)) sin.sin_addr = src;
    return real_bind(fd, (struct sockaddr *)&sin, sizeof sin);
  }
  return real_bind(fd, sa, len);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len) {
  if (!real_connect) real_connect = dlsym(RTLD_NEXT, "connect");
  if (!real_bind) real_bind = dlsym(RTLD_NEXT, "bind");
  struct in_addr src;
  if (sa && sa->sa_family == AF_INET && source(&src)) {
    struct sockaddr_in cur;
    socklen_t cl = sizeof cur;
    if (getsockname(fd, (struct sockaddr *)&cur, &cl) == 0 && cur.sin_family == AF_INET && cur.sin_port == 0) {
      struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = 0, .sin_addr = src };
      real_bind(fd, (struct sockaddr *)&me, sizeof me);
    }
  }
  return real_connect(fd, sa, len);
}
