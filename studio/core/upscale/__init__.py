"""The learned upscale: a small super-resolution network trained on a run's own folder, one job per module:

    network.py  UpscalerNet (residual blocks + pixel shuffle over Lanczos), enlarging pictures with it
    pairs.py    the folder's pictures at the run's shape × scale and at the run's shape (FolderPairs)
    train.py    training it for a budget of seconds, resuming, scoring against Lanczos on held-out pictures
    store.py    its file: RUN/upscaler/x2.safetensors (+ .json), atomic, no pickles
    learned.py  a run's upscaler: trained from its config.json, and chosen for exports (`choose_upscale`)
"""
