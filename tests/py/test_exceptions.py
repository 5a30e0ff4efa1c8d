"""psutil's exception classes: hierarchy, constructors, attributes, str/repr texts
(spec section 6) and pickling, compared with psutil's own classes where 7.2.2 and
8.0 agree."""

import pickle

import psutil
import pytest

import psoxide

CASES = [
    ("NoSuchProcess", (123, "foo")),
    ("NoSuchProcess", (123,)),
    ("NoSuchProcess", (0, None, "process PID not found")),
    ("ZombieProcess", (123, "foo", 1)),
    ("ZombieProcess", (123,)),
    ("AccessDenied", (123, "foo")),
    ("AccessDenied", ()),
    ("AccessDenied", (None, None, "some detail")),
    ("TimeoutExpired", (3, 123, "foo")),
    ("TimeoutExpired", (0.5,)),
]


def test_hierarchy():
    assert issubclass(psoxide.Error, Exception)
    for n in ("NoSuchProcess", "AccessDenied", "TimeoutExpired"):
        assert issubclass(getattr(psoxide, n), psoxide.Error)
    assert issubclass(psoxide.ZombieProcess, psoxide.NoSuchProcess)
    assert not issubclass(psoxide.AccessDenied, psoxide.NoSuchProcess)


@pytest.mark.parametrize("name,args", CASES)
def test_same_text_as_psutil(name, args):
    ours = getattr(psoxide, name)(*args)
    theirs = getattr(psutil, name)(*args)
    assert str(ours) == str(theirs)
    assert repr(ours) == repr(theirs)
    for attr in ("pid", "name", "ppid", "msg", "seconds"):
        assert getattr(ours, attr, "-") == getattr(theirs, attr, "-")


@pytest.mark.parametrize("name,args", CASES)
def test_pickle_round_trip(name, args):
    e = getattr(psoxide, name)(*args)
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is type(e)
    assert (str(back), repr(back)) == (str(e), repr(e))


def test_spec_examples():
    assert str(psoxide.NoSuchProcess(123, "foo")) == "process no longer exists (pid=123, name='foo')"
    assert (
        str(psoxide.ZombieProcess(123, "foo", 1))
        == "PID still exists but it's a zombie (pid=123, ppid=1, name='foo')"
    )
    assert str(psoxide.AccessDenied(123, "foo")) == "(pid=123, name='foo')"
    assert str(psoxide.AccessDenied()) == ""
    assert str(psoxide.TimeoutExpired(3, 123, "foo")) == "timeout after 3 seconds (pid=123, name='foo')"
    assert (
        repr(psoxide.TimeoutExpired(3, 123, "foo"))
        == "psutil.TimeoutExpired(pid=123, name='foo', seconds=3, msg='timeout after 3 seconds')"
    )
    assert repr(psoxide.AccessDenied()) == "psutil.AccessDenied()"


def test_module_of_classes():
    for n in ("Error", "NoSuchProcess", "ZombieProcess", "AccessDenied", "TimeoutExpired"):
        assert getattr(psoxide, n).__module__ == "psoxide"


def test_catch_error_catches_all():
    with pytest.raises(psoxide.Error):
        raise psoxide.ZombieProcess(1)
