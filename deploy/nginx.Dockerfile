# Debian's nginx with deploy/nginx.conf, for compose.yaml (which mounts the
# file, so an edit needs no rebuild: docker compose restart nginx). Its logs
# go to the container's output (docker compose logs nginx).
FROM debian:bookworm-slim
# policy-rc.d: the package must not try to start nginx while it installs.
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d \
    && chmod 755 /usr/sbin/policy-rc.d \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light \
    && rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d \
    && ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log
COPY deploy/nginx.conf /etc/nginx/nginx.conf
# SIGQUIT: finish the requests in flight, then exit.
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
