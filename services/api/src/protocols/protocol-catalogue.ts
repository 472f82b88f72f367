import { ProtocolFolder } from '@resolve/protocols/files';
import { logger } from '../common/logger';

/**
 * The protocols the API offers: the shipped ones and, when PROTOCOLS_DIR is set, the
 * partnership's own files, read again (at most once a second) before protocols are listed or a
 * case is raised, so a file dropped in the folder is offered at once. A file that does not
 * validate is logged with every bad field and not offered; the rest still are.
 */
export class ProtocolCatalogue {
  private readonly folder: ProtocolFolder | null;

  constructor(dir?: string) {
    this.folder = dir ? new ProtocolFolder(dir) : null;
    this.refresh();
  }

  refresh(): void {
    if (!this.folder) return;
    const { added, errors } = this.folder.refresh();
    for (const protocol of added) logger.info('protocol offered from the protocols folder', { protocol });
    for (const err of errors)
      logger.warn('protocol file not offered', { dir: this.folder.dir, problem: err.message });
  }
}
