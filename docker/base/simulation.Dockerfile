# msehome base image, simulation only: built offline by scripts/build-base-image.sh on top of a
# root filesystem holding only this machine's Node binary, its shared libraries and /bin/sh.
# The build context is a staging directory with runtime/ (dist, package.json, production
# node_modules) and bin/. The runtime layers below match docker/base/Dockerfile's.
ARG ROOTFS_IMAGE
FROM ${ROOTFS_IMAGE}
ARG MSEHOME_VERSION
ENV MSEHOME_SIMULATION_ONLY=1
LABEL msehome.base.simulation-only="true" \
      msehome.base.modes="simulation"
# --- runtime layers ---
ENV PATH=/usr/local/bin:/usr/bin:/bin \
    NODE_ENV=production
COPY runtime/package.json /opt/msehome/runtime/package.json
COPY runtime/node_modules /opt/msehome/runtime/node_modules
COPY runtime/dist /opt/msehome/runtime/dist
COPY bin/ /usr/local/bin/
LABEL msehome.base.version="${MSEHOME_VERSION}"
WORKDIR /opt/msehome
EXPOSE 443
ENTRYPOINT ["/usr/local/bin/msehome-run"]
