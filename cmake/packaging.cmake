# The Debian package (scripts/package.sh): the binary, the systemd unit, an example config
# in /etc/strait, the docs and the monitoring files. Depends are computed by dpkg-shlibdeps
# from what the binary links (librdkafka is linked statically, so it is not among them).
install(TARGETS strait RUNTIME DESTINATION bin)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/strait.service DESTINATION /lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/strait.yaml DESTINATION /etc/strait)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/doc/strait)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/doc/strait/docs)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/monitoring/ DESTINATION share/strait/monitoring)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME strait)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "cross-datacenter replication for Apache Kafka")
set(CPACK_PACKAGE_DESCRIPTION "strait mirrors topics between Kafka clusters with their \
partitions, configs, keys, headers and timestamps, translates consumer-group offsets exactly \
for failover, and runs active-active without loops: a native replacement for MirrorMaker 2.")
set(CPACK_PACKAGE_CONTACT "strait maintainers <strait@localhost>")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm
    ${PROJECT_SOURCE_DIR}/packaging/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
