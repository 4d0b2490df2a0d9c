#ifndef CLIBSSH_SHIM_H
#define CLIBSSH_SHIM_H
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#endif
