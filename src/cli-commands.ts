/**
 * Extra CLI commands register themselves on import (admin …, bench). Keeping them in their own
 * modules keeps cli.ts small; this file only lists them.
 */
import './modules/identity/admin-cli.ts';
import './modules/apps/admin-commands.ts';
import '../bench/bench-command.ts';
