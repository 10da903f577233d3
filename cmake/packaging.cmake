# Installation and the Debian package: the binary, the man page generated from the command tree,
# and the completion scripts where bash, zsh and fish look for them.
include(GNUInstallDirs)

add_custom_command(
  OUTPUT ${PROJECT_BINARY_DIR}/gpurun.1
  COMMAND gpurun manpage > ${PROJECT_BINARY_DIR}/gpurun.1
  DEPENDS gpurun
  COMMENT "Generating the man page")
add_custom_target(gpurun_manpage ALL DEPENDS ${PROJECT_BINARY_DIR}/gpurun.1)

install(TARGETS gpurun RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${PROJECT_BINARY_DIR}/gpurun.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES completions/gpurun.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME gpurun)
install(FILES completions/_gpurun DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES completions/gpurun.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gpurun)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Validate, plan, deploy and run GPU functions")
set(CPACK_PACKAGE_CONTACT "gpurun maintainers <maintainers@gpurun.dev>")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
# dpkg-shlibdeps derives the runtime dependencies (libyaml-cpp, libcurl, libfmt, ...) from the binary.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
include(CPack)
