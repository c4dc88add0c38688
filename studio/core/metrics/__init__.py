"""Image-quality metrics: FID, KID, precision/recall and density/coverage on Inception-v3 features.

`inception` finds and loads the feature network (never downloaded), `scores` is the maths on feature
arrays, `reference` caches the training images' features, `evaluate` scores a generator, and
`probe` runs evaluations beside a training loop without holding it up.
"""
