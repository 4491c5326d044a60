/** Certificates: the PEM certificates stations may be asked to install, kept by their hash. */
import type { Domain } from '../../domain/index.js';
import type { AdminHandlers } from './shared.js';

export function certificatesHandlers({
  certificates,
}: Pick<Domain, 'certificates'>): AdminHandlers<'uploadCertificate' | 'lookupCertificate' | 'deleteCertificate'> {
  return {
    uploadCertificate: async ({ body, context }) => {
      const hash = await certificates.upload(body.certificate);
      const location = new URL(context.req.url).pathname.replace(/\/$/, '') + '/' + encodeURIComponent(hash);
      return { status: 201, headers: { Location: location } };
    },
    lookupCertificate: async ({ path }) => ({
      status: 200,
      body: { certificate: (await certificates.get(path.certificateHash)).pem },
    }),
    deleteCertificate: async ({ path }) => {
      await certificates.delete(path.certificateHash);
      return { status: 204 };
    },
  };
}
