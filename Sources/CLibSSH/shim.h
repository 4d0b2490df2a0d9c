#ifndef BOARDBENCH_CLIBSSH_SHIM_H
#define BOARDBENCH_CLIBSSH_SHIM_H

// Integer macros (SSH_OK, SSH_ERROR, SSH_EOF, SSH_FX_*) import into Swift as
// constants; function-like macros do not, so the ones we need are wrapped here.
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <libssh/callbacks.h>

/// ssh_callbacks_init(): libssh checks `size` to know which fields the caller's struct has.
static inline void CLibSSH_channel_callbacks_init(struct ssh_channel_callbacks_struct *cb) {
    ssh_callbacks_init(cb);
}

#endif
