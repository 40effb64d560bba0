from civicgrid.lib.refreshing import Refreshing


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def counting(source):
    calls = []

    def load():
        calls.append(1)
        return list(source)

    return load, calls


def test_it_loads_once_per_interval_and_again_after_it():
    source = ["a"]
    load, calls = counting(source)
    value = Refreshing(load, seconds=5)
    value.clock = Clock()
    assert value.get() == ["a"]
    source.append("b")
    value.clock.now += 5
    assert value.get() == ["a"]  # still within the interval
    value.clock.now += 0.1
    assert value.get() == ["a", "b"]
    assert len(calls) == 2


def test_forget_makes_the_next_get_load():
    source = ["a"]
    load, calls = counting(source)
    value = Refreshing(load, seconds=60)
    value.clock = Clock()
    value.get()
    source.append("b")
    value.forget(sender=None)
    assert value.get() == ["a", "b"]
    assert len(calls) == 2


def test_a_save_or_delete_of_the_model_in_this_process_forgets_the_value(db):
    from civicgrid.org.models import ApiKey

    load, calls = counting([])
    value = Refreshing(load, seconds=60)
    value.forget_on_change(ApiKey)
    value.get()
    key = ApiKey.objects.create(name="k", prefix="cg_k", key_hash="k" * 64)
    value.get()
    key.delete()
    value.get()
    assert len(calls) == 3
