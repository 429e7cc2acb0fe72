import { productBySlug } from "../cosmos.js";

export function productView(product) {
  return {
    slug: product.slug,
    name: product.name,
    price: { amount: product.price.amount, currency: product.price.currency },
    images: product.images,
  };
}

export async function productRoutes(app) {
  app.get("/products/:slug", async (req, reply) => {
    const product = await productBySlug(req.params.slug);
    if (!product) {
      return reply.code(404).send({ error: "unknown product" });
    }
    return productView(product);
  });
}
