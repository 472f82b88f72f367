import type { NextFunction, Request, Response } from 'express';

/**
 * CORS for the codec endpoint alone: the Temporal UI's origin(s) (CODEC_CORS_ORIGINS) and no
 * other (besides the API's own origin). A browser request from any other origin is refused outright, whatever the API-wide
 * CORS_ORIGINS says; requests without an Origin (the temporal CLI, curl) pass to the controller,
 * which still wants a business manager's or chair's bearer token.
 */
export function codecCors(allowedOrigins: string[]) {
  const allowed = new Set(allowedOrigins);
  return (req: Request, res: Response, next: NextFunction) => {
    const origin = req.headers.origin;
    const sameOrigin = origin === `${req.protocol}://${req.headers.host}`; // the API's own /codec/session form
    if (origin !== undefined && !sameOrigin) {
      if (!allowed.has(origin)) {
        res.status(403).json({
          error: 'forbidden',
          message: `origin ${origin} may not use the codec endpoint (CODEC_CORS_ORIGINS)`,
        });
        return;
      }
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}

/** CODEC_CORS_ORIGINS: comma-separated origins, e.g. `http://127.0.0.1:8233,https://temporal.example.org`. */
export function parseOrigins(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim().replace(/\/$/, ''))
    .filter(Boolean);
}
