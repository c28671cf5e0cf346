# librdkafka 2.15.1, linked statically from the build scripts/setup.sh makes in strait's
# cache. Debian's librdkafka-dev (2.0.2) must never be picked up instead: it cannot log in
# with SCRAM to Kafka 4 and lacks the APIs strait uses, so any other version stops the build.
set(STRAIT_RDKAFKA_VERSION 2.15.1)
set(STRAIT_RDKAFKA_VERSION_HEX 0x020f01ff)
# A ThreadSanitizer build links librdkafka's instrumented build, on pthreads (setup.sh says why).
if(STRAIT_TSAN)
  set(_rdk_variant "-tsan")
endif()
if(NOT STRAIT_RDKAFKA_ROOT)
  if(DEFINED ENV{STRAIT_CACHE})
    set(STRAIT_RDKAFKA_ROOT "$ENV{STRAIT_CACHE}/librdkafka-${STRAIT_RDKAFKA_VERSION}${_rdk_variant}")
  else()
    set(STRAIT_RDKAFKA_ROOT
        "$ENV{HOME}/.cache/strait/librdkafka-${STRAIT_RDKAFKA_VERSION}${_rdk_variant}")
  endif()
endif()
set(STRAIT_RDKAFKA_ROOT "${STRAIT_RDKAFKA_ROOT}" CACHE PATH "librdkafka ${STRAIT_RDKAFKA_VERSION} install prefix")

set(_rdk_hint "run scripts/setup.sh, which builds librdkafka ${STRAIT_RDKAFKA_VERSION} into \
${STRAIT_RDKAFKA_ROOT}, or point -DSTRAIT_RDKAFKA_ROOT at such a build")
if(NOT EXISTS "${STRAIT_RDKAFKA_ROOT}/lib/pkgconfig/rdkafka-static.pc")
  message(FATAL_ERROR "librdkafka ${STRAIT_RDKAFKA_VERSION} not found under ${STRAIT_RDKAFKA_ROOT}: ${_rdk_hint}")
endif()
set(ENV{PKG_CONFIG_PATH} "${STRAIT_RDKAFKA_ROOT}/lib/pkgconfig:$ENV{PKG_CONFIG_PATH}")
pkg_check_modules(RDKAFKA QUIET rdkafka-static=${STRAIT_RDKAFKA_VERSION})
if(NOT RDKAFKA_FOUND)
  message(FATAL_ERROR "librdkafka under ${STRAIT_RDKAFKA_ROOT} is not version ${STRAIT_RDKAFKA_VERSION} \
(or one of its dependencies' pkg-config files is missing): ${_rdk_hint}")
endif()
# The header the compiler will really include must be the same version as the library.
file(STRINGS "${STRAIT_RDKAFKA_ROOT}/include/librdkafka/rdkafka.h" _rdk_define
     REGEX "^#define RD_KAFKA_VERSION ")
if(NOT _rdk_define MATCHES "${STRAIT_RDKAFKA_VERSION_HEX}")
  message(FATAL_ERROR "${STRAIT_RDKAFKA_ROOT}/include/librdkafka/rdkafka.h says '${_rdk_define}', \
not ${STRAIT_RDKAFKA_VERSION_HEX}: ${_rdk_hint}")
endif()
# pkg-config hands the archive over as a linker flag, which lands before our objects on the
# link line; an imported target puts it in its proper place, followed by its dependencies.
pkg_check_modules(RDKAFKA_DEPS REQUIRED IMPORTED_TARGET zlib libcrypto libssl libsasl2 libzstd liblz4)
add_library(strait_rdkafka STATIC IMPORTED GLOBAL)
set_target_properties(strait_rdkafka PROPERTIES
  IMPORTED_LOCATION "${STRAIT_RDKAFKA_ROOT}/lib/librdkafka.a"
  INTERFACE_INCLUDE_DIRECTORIES "${STRAIT_RDKAFKA_ROOT}/include"
  INTERFACE_LINK_LIBRARIES "PkgConfig::RDKAFKA_DEPS;Threads::Threads;${CMAKE_DL_LIBS};m;rt")
message(STATUS "librdkafka ${STRAIT_RDKAFKA_VERSION} (static) from ${STRAIT_RDKAFKA_ROOT}")
