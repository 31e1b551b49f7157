"""The tutorial's guessing loop (../shared/seed.txt), verbatim apart from the function wrapper
and ``torch.as_tensor`` (which takes the seed's one price or a whole series of them): the one
copy of the oracle that the tests and the benchmarks import."""

import torch
import torch.nn.functional as F


def seed_loop(price=420, target=425, weight=1.01, change=0.0001, iterations=1000):
    """Guess ``iterations`` times: move the weight by ``change`` towards the lower MSE."""

    def predict(data, weight):
        return data * weight

    target = torch.as_tensor(target)
    for _ in range(iterations):
        guess_up = torch.as_tensor(predict(price, weight + change))
        guess_down = torch.as_tensor(predict(price, weight - change))
        error_up = F.mse_loss(guess_up, target)
        error_down = F.mse_loss(guess_down, target)
        if error_up < error_down:
            weight += change
        else:
            weight -= change
    return weight
