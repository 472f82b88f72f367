import path from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { GOVUK_FRONTEND_DIST } from './web-renderer';

const GOVUK = path.join(GOVUK_FRONTEND_DIST, 'govuk');
/** The files served beside govuk-frontend's own: Resolve's small stylesheet. */
const OWN = path.join(__dirname, 'assets');
const FILE = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/;

/** GOV.UK Frontend's stylesheet, script, fonts and images, and Resolve's stylesheet, under /assets. */
@ApiExcludeController()
// Static files of the design system: a page's stylesheets, scripts and fonts must not spend the
// budget of the people behind one address.
@SkipThrottle()
@Controller('assets')
export class AssetsController {
  @Get('*file')
  serve(@Param('file') file: string | string[], @Res() res: Response) {
    const name = Array.isArray(file) ? file.join('/') : file;
    if (!FILE.test(name) || name.split('/').includes('..')) throw new NotFoundException();
    const [root, relative] =
      name === 'govuk-frontend.min.css' || name === 'govuk-frontend.min.js'
        ? [GOVUK, name]
        : name === 'resolve-web.css'
          ? [OWN, name]
          : [path.join(GOVUK, 'assets'), name];
    res.setHeader('Cache-Control', 'public, max-age=3600');
    // sendFile with a root refuses to leave it.
    res.sendFile(relative, { root, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) res.status(404).type('text/plain').send('Not found');
    });
  }
}
